import CofferCrypto
import OPAQUE

/// Version 1 of Coffer's backup file: a fixed header, then AES-256-GCM chunks (docs/BACKUP.md).
///
/// ```
/// header (84 bytes)   "COFFERBK" | version 1 | chunk size log2 (16) | 0x0000 | salt (32)
///                     | nonce prefix (7) | 0x00 | key commitment (32)
/// chunk i             AES-256-GCM(file key, nonce_i, aad = header, 64 KiB of plaintext) || tag (16)
/// nonce_i             nonce prefix (7) | i as a big-endian u32 | 0x01 for the last chunk, else 0x00
/// ```
///
/// Every chunk but the last holds exactly 64 KiB of plaintext; the last holds 0 to 64 KiB and is
/// always present, so an empty input is one empty chunk. The file key and the commitment come
/// from the backup key with HKDF-SHA256 salted by the header's random salt, so each file has its
/// own key: a chunk moved from another file under the same backup key fails, as does a chunk
/// moved within the file (counter), a file cut at a chunk boundary (last-chunk flag) and any
/// edit of the header (associated data).
public enum BackupFormat {
    /// The file's first bytes.
    public static let magic: [UInt8] = Array("COFFERBK".utf8)
    /// The format version this code writes and reads.
    public static let version: UInt8 = 1
    /// log2 of the plaintext bytes per chunk.
    public static let chunkSizeLog2: UInt8 = 16
    /// Plaintext bytes in every chunk but the last.
    public static let plaintextChunkSize = 1 << Int(chunkSizeLog2)
    /// Bytes of a full chunk on disk: plaintext plus the GCM tag.
    public static let sealedChunkSize = plaintextChunkSize + AESGCM.tagLength
    /// Bytes of the header.
    public static let headerSize = 84
    /// Bytes of the HKDF salt.
    static let saltSize = 32
    /// Bytes of the nonce prefix (STREAM: prefix, 32-bit counter, 1-byte last flag).
    static let noncePrefixSize = 7
    /// Bytes of the key commitment.
    static let commitmentSize = 32
    /// The most chunks one file may have: the counter is 32 bits.
    static let maxChunkCount = 1 << 32

    static let fileKeyLabel = Array("coffer/v1/backup/file-key".utf8)
    static let commitmentLabel = Array("coffer/v1/backup/key-commitment".utf8)

    /// Chunks for `plaintextSize` bytes: the last one may be short or (for an empty input) empty.
    static func chunkCount(plaintextSize: Int) -> Int {
        max(1, (plaintextSize + plaintextChunkSize - 1) / plaintextChunkSize)
    }

    /// Bytes of the backup of `plaintextSize` bytes.
    public static func sealedSize(plaintextSize: Int) -> Int {
        headerSize + plaintextSize + chunkCount(plaintextSize: plaintextSize) * AESGCM.tagLength
    }
}

/// A parsed or freshly made header.
struct BackupHeader {
    /// The header's 84 bytes, which every chunk authenticates as associated data.
    let bytes: [UInt8]

    var salt: ArraySlice<UInt8> { bytes[12..<44] }
    var noncePrefix: ArraySlice<UInt8> { bytes[44..<51] }
    var commitment: ArraySlice<UInt8> { bytes[52..<84] }

    /// A new header with random salt and nonce prefix, committing to `keys`.
    init(salt: [UInt8], noncePrefix: [UInt8], commitment: [UInt8]) {
        precondition(salt.count == BackupFormat.saltSize && noncePrefix.count == BackupFormat.noncePrefixSize
            && commitment.count == BackupFormat.commitmentSize)
        bytes = BackupFormat.magic + [BackupFormat.version, BackupFormat.chunkSizeLog2, 0, 0] + salt + noncePrefix
            + [0] + commitment
        assert(bytes.count == BackupFormat.headerSize)
    }

    /// Checks the fixed fields of a header read from `path`.
    init(parsing bytes: [UInt8], path: String) throws(BackupError) {
        let magic = BackupFormat.magic
        guard bytes.count >= magic.count, Array(bytes.prefix(magic.count)) == magic
        else {
            // A file too short for the magic could be a backup cut short or anything else.
            throw bytes.count < BackupFormat.magic.count && BackupFormat.magic.starts(with: bytes) && !bytes.isEmpty
                ? .truncated : .notABackup(path: path)
        }
        guard bytes.count > 8 else { throw .truncated }
        guard bytes[8] == BackupFormat.version else { throw .unsupportedVersion(bytes[8]) }
        guard bytes.count == BackupFormat.headerSize else { throw .truncated }
        guard bytes[9] == BackupFormat.chunkSizeLog2 else {
            throw .malformedHeader(reason: "chunk size 2^\(bytes[9]) (version 1 uses 2^16)")
        }
        guard bytes[10] == 0, bytes[11] == 0, bytes[51] == 0 else {
            throw .malformedHeader(reason: "reserved bytes are not zero")
        }
        self.bytes = bytes
    }
}

/// The per-file key and commitment derived from a backup key and a header's salt.
struct BackupFileKeys {
    let fileKey: SecretBytes
    let commitment: [UInt8]

    init(backupKey: SecretBytes, salt: [UInt8]) {
        let ikm = backupKey.bytes
        do {
            fileKey = SecretBytes(try HKDF<SHA256>.deriveKey(ikm: ikm, salt: salt, info: BackupFormat.fileKeyLabel,
                                                             length: AESGCM.keyLength))
            commitment = try HKDF<SHA256>.deriveKey(ikm: ikm, salt: salt, info: BackupFormat.commitmentLabel,
                                                    length: BackupFormat.commitmentSize)
        } catch {
            preconditionFailure("32 bytes are well within HKDF-SHA256's output limit")
        }
    }
}
