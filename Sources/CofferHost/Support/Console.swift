#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a result could not be delivered on standard output.
public enum OutputError: Error, Equatable, Sendable {
    /// Writing or flushing standard output failed; `what` names what was lost (e.g. "the backup key").
    case notWritten(what: String, reason: String)
}

extension OutputError: CofferFailure {
    public var exitStatus: ExitStatus { .outputFailed }

    public var message: String {
        switch self {
        case .notWritten(let what, let reason):
            "could not write \(what) to standard output: \(reason)"
        }
    }
}

/// The process's standard streams as the host tools use them: results on stdout, written whole and
/// checked (a key printed into a full disk must not end in exit 0); messages on stderr, where a
/// failure is ignored (a closed or full stderr must neither crash the tool nor change its status).
///
/// Both go straight to the descriptors with write(2): Foundation's `FileHandle.write` traps on an
/// error, and stdio's buffer would report a failure only at exit, after the status is decided.
public enum Console {
    /// Call first thing in `main`. A descriptor 0, 1 or 2 that the parent left closed is reserved
    /// with /dev/null opened read-only, so no file the tool opens later takes its number (a key
    /// "printed" into a backup's temporary file) and writes to it fail with EBADF as they should.
    /// SIGPIPE is ignored so a reader that went away is an error to report, not a silent death; an
    /// interruption removes the temporaries and restores the terminal (`InterruptCleanup`).
    public static func prepare() {
        for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(fd, F_GETFD) < 0 && errno == EBADF {
            let null = open("/dev/null", O_RDONLY)
            if null >= 0 && null != fd {
                _ = dup2(null, fd)
                close(null)
            }
        }
        signal(SIGPIPE, SIG_IGN)
        InterruptCleanup.install()
    }

    /// Writes `text` and a newline to stdout and makes sure it left the process; for a `secret`
    /// redirected into a regular file, also makes it durable (fsync).
    ///
    /// - Parameter what: what the text is, for the error message ("the backup key", "the result").
    public static func line(_ text: String, what: String = "the result", secret: Bool = false)
        throws(OutputError)
    {
        try write(Array((text + "\n").utf8), what: what, secret: secret)
    }

    /// Writes `bytes` to stdout, all of them or an error.
    public static func write(_ bytes: [UInt8], what: String, secret: Bool = false) throws(OutputError) {
        if let failure = writeAll(bytes, to: STDOUT_FILENO) {
            throw .notWritten(what: what, reason: failure)
        }
        guard secret else { return }
        var info = stat()
        // A pipe or terminal cannot be synced (EINVAL); a file can, and a full disk may show only here.
        if fstat(STDOUT_FILENO, &info) == 0, info.st_mode & S_IFMT == S_IFREG, fsync(STDOUT_FILENO) != 0 {
            throw .notWritten(what: what, reason: String(cString: strerror(errno)))
        }
    }

    /// Writes `text` and a newline to stderr; never fails, never traps.
    public static func note(_ text: String) {
        noteRaw(text + "\n")
    }

    /// Writes `text` to stderr as it is (a progress line's carriage return); never fails.
    public static func noteRaw(_ text: String) {
        _ = writeAll(Array(text.utf8), to: STDERR_FILENO)
    }

    /// Writes all of `bytes` to `fd`; nil on success, else the reason.
    static func writeAll(_ bytes: [UInt8], to fd: Int32) -> String? {
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if count < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            done += count
        }
        return nil
    }
}
