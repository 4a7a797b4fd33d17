import CofferCrypto
import CofferPureCrypto
import OPAQUE

/// P-256 scalar multiplications (k·P, P a hashed point) per CPU-second on the pure-Swift engine, beside
/// CofferCrypto's (OpenSSL) on the same points and scalars in the same run. No target: a figure to watch
/// (the pure engine is portable, table-free constant-time code; OpenSSL's is tuned assembly).
struct PureScalarMultiplications {
    let iterations: Int

    func run() throws -> Measurement {
        let group = P256(), random = SeededRandom(seed: Array("coffer-bench/pure-p256".utf8))
        var points: [P256Element] = [], scalars: [P256Scalar] = []
        var purePoints: [PureP256Point] = [], pureScalars: [PureP256Scalar] = []
        while points.count < 16 {
            let bytes = random.bytes(32)
            guard let scalar = try? group.deserializeScalar(bytes), let pureScalar = PureP256Scalar(bytes: bytes) else {
                continue
            }
            let point = try group.hashToGroup(random.bytes(16), dst: Array("bench".utf8))
            points.append(point)
            scalars.append(scalar)
            purePoints.append(PureP256Point(sec1: group.serialize(point))!)
            pureScalars.append(pureScalar)
        }
        var start = threadCPUNanoseconds()
        for i in 0..<iterations { _ = try group.multiply(points[i % 16], by: scalars[i % 16]) }
        let opensslNanoseconds = threadCPUNanoseconds() - start
        start = threadCPUNanoseconds()
        var check: UInt64 = 0
        for i in 0..<iterations {
            check ^= UInt64(purePoints[i % 16].multiplied(by: pureScalars[i % 16]).projectiveBytes[0])
        }
        let pureNanoseconds = threadCPUNanoseconds() - start
        _ = check
        return Measurement(
            name: "pure P-256 scalar mults", value: Double(iterations) / (Double(pureNanoseconds) / 1e9),
            unit: "mults/s", target: 0,
            reference: .measured(name: "OpenSSL P-256 scalar mults (CofferCrypto)",
                                 value: Double(iterations) / (Double(opensslNanoseconds) / 1e9)))
    }
}
