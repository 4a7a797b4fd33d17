import CTAPHID
import CofferProtocol

/// Where the secrets-bearing fields sit in the vault messages a relay sees (docs/PROTOCOL.md §2,
/// §3): offsets into the reassembled CTAPHID payload.
enum WireOffsets {
    /// KE2 in the LoginStart reply: status u8, then KE2 as a bytes16 field.
    static let ke2 = 1 + 2
    static let ke2Length = 259
    /// KE3 in the LoginFinish request: version u8, then KE3 as a bytes16 field.
    static let ke3 = 1 + 2
    static let ke3Length = 32
    /// The deposited sealed key in the LoginFinish request: after KE3, the intent u8 and its u8 length.
    static let depositedSealedKey = ke3 + ke3Length + 1 + 1
    /// The recovered sealed key in the LoginFinish reply: status u8, then a bytes8 field.
    static let recoveredSealedKey = 1 + 1
    static let sealedKeyLength = VaultLimits.sealedBackupKeyLength

    static let loginStart = CTAPHIDCommand(rawValue: VaultOperation.loginStart.rawValue)
    static let loginFinish = CTAPHIDCommand(rawValue: VaultOperation.loginFinish.rawValue)

    /// Flips byte `index` of KE2 on its way to the client.
    static func ke2(byte index: Int) -> MessageTamper {
        MessageTamper(direction: .toClient, command: loginStart, payloadOffset: ke2 + index)
    }

    /// Flips byte `index` of KE3 on its way to the device.
    static func ke3(byte index: Int) -> MessageTamper {
        MessageTamper(direction: .toDevice, command: loginFinish, payloadOffset: ke3 + index)
    }

    /// Flips byte `index` of the sealed key a deposit sends to the device.
    static func depositedSealedKey(byte index: Int) -> MessageTamper {
        MessageTamper(direction: .toDevice, command: loginFinish, payloadOffset: depositedSealedKey + index)
    }

    /// Flips byte `index` of the sealed key a recover brings back to the client.
    static func recoveredSealedKey(byte index: Int) -> MessageTamper {
        MessageTamper(direction: .toClient, command: loginFinish, payloadOffset: recoveredSealedKey + index)
    }
}
