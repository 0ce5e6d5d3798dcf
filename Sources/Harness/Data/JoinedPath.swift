/// `directory/name`, without doubling a trailing slash.
func joinedPath(_ directory: String, _ name: String) -> String {
  directory.hasSuffix("/") ? directory + name : directory + "/" + name
}
