// The standard library's withUnsafeBytes rethrows untyped errors; these keep a typed error typed.

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` whose closure throws `E` only.
    func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var result: Result<R, E>?
        withUnsafeBytes { bytes in result = Result { () throws(E) in try body(bytes) } }
        return try result!.get()
    }

    /// `withUnsafeMutableBytes` whose closure throws `E` only.
    mutating func withMutableBytes<R, E: Error>(_ body: (UnsafeMutableRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var result: Result<R, E>?
        withUnsafeMutableBytes { bytes in result = Result { () throws(E) in try body(bytes) } }
        return try result!.get()
    }
}
