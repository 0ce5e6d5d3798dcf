print("bench: rewritten below")
