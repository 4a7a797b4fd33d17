// Why a vault message could not be decoded. The firmware turns each case into a status code; the host
// turns it into "the device sent something I do not understand".

/// A vault message that does not follow its byte layout (docs/PROTOCOL.md). Extend-only.
public enum ProtocolError: Error, Equatable, Sendable {
    /// The message ended before a field it must contain.
    case truncated
    /// Bytes remain after the last field of the layout.
    case trailingBytes
    /// A length-prefixed field is longer or shorter than its named limit allows.
    case lengthOutOfRange
    /// A field holds a value its layout does not define (an unknown enum value, a zero limit).
    case invalidValue
    /// The request names a layout version this side does not speak.
    case unsupportedVersion
    /// The command byte names no vault operation.
    case unknownOperation
}
