#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import OPAQUE

/// Why no password could be read.
public enum PasswordError: Error, Equatable, Sendable {
    /// No terminal to prompt on (and `--password-stdin` not given).
    case noTerminal
    /// An empty password.
    case empty
    /// The confirmation did not match.
    case mismatch
    /// Longer than `PasswordInput.maximumLength`.
    case tooLong
}

extension PasswordError: CofferFailure {
    public var exitStatus: ExitStatus { .usage }

    public var message: String {
        switch self {
        case .noTerminal: "no terminal to ask for the password on; pipe it in with --password-stdin"
        case .empty: "the password is empty"
        case .mismatch: "the two passwords differ"
        case .tooLong: "the password is longer than \(PasswordInput.maximumLength) bytes"
        }
    }
}

/// Passwords come from a prompt that does not echo, or from one line of standard input; never
/// from the command line, where other users' `ps` would see them.
public enum PasswordInput {
    /// Longest password accepted, in bytes.
    public static let maximumLength = 1024

    /// Prompts on the controlling terminal with echo off; with `confirmation`, asks twice.
    public static func prompt(_ prompt: String, confirmation: String? = nil) throws(PasswordError) -> SecretBytes {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw .noTerminal }
        defer { close(fd) }
        let first = try ask(prompt, on: fd)
        guard let confirmation else { return first }
        guard try ask(confirmation, on: fd) == first else { throw .mismatch }
        return first
    }

    /// Reads one line from standard input (without its line end).
    public static func standardInput() throws(PasswordError) -> SecretBytes {
        try readLine(from: STDIN_FILENO)
    }

    private static func ask(_ prompt: String, on fd: Int32) throws(PasswordError) -> SecretBytes {
        write(Array(prompt.utf8), to: fd)
        var saved = termios()
        let isTerminal = tcgetattr(fd, &saved) == 0
        if isTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            quiet.c_lflag |= tcflag_t(ECHONL)
            InterruptCleanup.install()
            InterruptCleanup.restoreOnInterrupt(terminal: fd, original: saved)
            _ = tcsetattr(fd, TCSAFLUSH, &quiet)
        }
        defer {
            if isTerminal {
                _ = tcsetattr(fd, TCSAFLUSH, &saved)
                InterruptCleanup.restoredTerminal()
            }
        }
        return try readLine(from: fd)
    }

    /// One line, read a byte at a time so nothing past the line is consumed; CR LF and LF end it.
    private static func readLine(from fd: Int32) throws(PasswordError) -> SecretBytes {
        let line = SecretBytes(zeros: maximumLength + 1)
        var count = 0
        var byte: UInt8 = 0
        while true {
            let got = read(fd, &byte, 1)
            if got < 0 && errno == EINTR { continue }
            if got <= 0 || byte == UInt8(ascii: "\n") { break }
            guard count < maximumLength else { throw .tooLong }
            line.withUnsafeMutableBytes { $0[count] = byte }
            count += 1
        }
        byte = 0
        if count > 0, line.withUnsafeBytes({ $0[count - 1] }) == UInt8(ascii: "\r") { count -= 1 }
        guard count > 0 else { throw .empty }
        return line.withUnsafeBytes { SecretBytes([UInt8]($0[0..<count])) }
    }

    private static func write(_ bytes: [UInt8], to fd: Int32) {
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }
}
