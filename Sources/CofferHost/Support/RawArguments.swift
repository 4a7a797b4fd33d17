/// The command line as the kernel gave it, bytes and all: Swift's `CommandLine.arguments` repairs
/// invalid UTF-8 into U+FFFD, which would let several byte strings name the same thing.
public enum RawArguments {
    /// Whether some argument is not valid UTF-8 and, repaired, contains `text`: `text` then stands
    /// for bytes that were not what it says.
    public static func repairedArgument(contains text: String) -> Bool {
        for index in 0..<Int(CommandLine.argc) {
            guard let argument = CommandLine.unsafeArgv[index] else { continue }
            if String(validatingCString: argument) == nil, String(cString: argument).contains(text) { return true }
        }
        return false
    }
}
