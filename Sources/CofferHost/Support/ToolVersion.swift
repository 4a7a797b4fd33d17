import CofferProtocol

/// The host tools' version, as `cofferctl --version` prints it.
public enum ToolVersion {
    /// This release of the host tools.
    public static let release = "0.10.0"

    /// "0.10.0 (Coffer protocol 2, backup format 1)".
    public static var text: String {
        "\(release) (Coffer protocol \(CofferProtocolVersion.current), backup format \(BackupFormat.version))"
    }
}
