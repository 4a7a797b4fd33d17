// The standard library's Array.withUnsafeBytes rethrows untyped errors; these keep CryptoError
// typed through the closure so the public API can say `throws(CryptoError)`.

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` whose closure throws `CryptoError` only.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(CryptoError) -> R) throws(CryptoError) -> R {
        var result: Result<R, CryptoError>?
        withUnsafeBytes { bytes in result = Result { () throws(CryptoError) in try body(bytes) } }
        return try result!.get()
    }
}

extension Array where Element == UInt8 {
    /// An array of `count` bytes filled by `body`, which must write every byte (they start
    /// uninitialised; UInt8 is trivial) and throws `CryptoError` only. When it throws, the buffer is
    /// wiped before the memory is released, so nothing half-made (an unauthenticated plaintext) lingers.
    init(filling count: Int, _ body: (UnsafeMutableRawBufferPointer) throws(CryptoError) -> Void) throws(CryptoError) {
        var failure: CryptoError?
        self.init(unsafeUninitializedCapacity: count) { output, initialized in
            let raw = UnsafeMutableRawBufferPointer(output)
            do throws(CryptoError) {
                try body(raw)
                initialized = count
            } catch {
                raw.initializeMemory(as: UInt8.self, repeating: 0)
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
    }
}
