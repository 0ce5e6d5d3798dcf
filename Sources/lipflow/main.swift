import LipFlowCLI

LipFlowCommand.main()
