import Foundation

extension Scratch {
    /// Runs `script` with /bin/sh in this directory's environment, `$COFFERCTL` naming the built
    /// cofferctl: redirections such as `>/dev/full` and `>&-` give the tool the broken streams a
    /// user's shell would. Scripts `exec` the tool, so the status is its own.
    @discardableResult
    func shell(_ script: String, input: String = "") throws -> Finished {
        var env = environment
        env["COFFERCTL"] = Binaries.cofferctl
        env["SCRATCH"] = path
        return try run("/bin/sh", ["-c", "cd \"$SCRATCH\" && " + script], input: input, environment: env)
    }
}
