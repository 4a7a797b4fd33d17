// A client's way into a realm for these tests: the vault's requests as `POST /v1/vault` to an agent,
// following 421 to the leader and sending again a request answered `abandoned` (what a front-end
// does). It is a CofferHost `DeviceTransport`, so the real `VaultClient` runs OPAQUE over it.

import AsyncHTTPClient
import CTAPHID
import CofferHost
import CofferProtocol
import Foundation
import NIOCore

final class HTTPVaultTransport: DeviceTransport, @unchecked Sendable {
    let http: HTTPClient
    private let lock = NSLock()
    private var agents: [String]
    private var current = 0
    let channel: UInt32
    /// Per vault command: replies with status ok (for LoginStart: the KE2s released).
    private var okReplies: [UInt8: Int] = [:]
    /// HTTP statuses other than 200 seen, in order.
    private var failures: [Int] = []

    init(http: HTTPClient, agents: [String], channel: UInt32) {
        self.http = http
        self.agents = agents
        self.channel = channel
    }

    var deviceName: String { "realm" }
    var channelInfo: CTAPHIDInitResponse {
        CTAPHIDInitResponse(
            nonce: [UInt8](repeating: 0, count: 8), channel: CTAPHIDChannelID(rawValue: channel),
            deviceVersion: CTAPHIDDeviceVersion(major: 1, minor: 0, build: 0), capabilities: [])
    }

    /// KE2s released to this client so far.
    var ke2Released: Int { lock.withLock { okReplies[VaultOperation.loginStart.rawValue] ?? 0 } }
    var httpFailures: [Int] { lock.withLock { failures } }

    func use(agents: [String]) { lock.withLock { self.agents = agents; current = 0 } }

    func request(_ command: CTAPHIDCommand, payload: [UInt8]) throws(DeviceError) -> [UInt8] {
        var body = (0..<4).map { UInt8(truncatingIfNeeded: channel >> (24 - 8 * UInt32($0))) }
        body.append(command.rawValue)
        body += payload
        for _ in 0..<40 {
            let url = lock.withLock { agents[current % agents.count] }
            let request: HTTPClient.Request
            do {
                request = try HTTPClient.Request(url: url + "/v1/vault", method: .POST, body: .bytes(body))
            } catch {
                throw .invalidAddress(url, reason: "\(error)")
            }
            guard let response = try? http.execute(request: request, deadline: .now() + .seconds(30)).wait() else {
                lock.withLock { current += 1 }  // that agent is down: try the next
                continue
            }
            let bytes = response.body.map { Array(buffer: $0) } ?? []
            switch response.status.code {
            case 200:
                guard let reply = try? VaultReply(decoding: bytes) else { return bytes }
                if reply.status == .abandoned { continue }
                if reply.status == .ok { lock.withLock { okReplies[command.rawValue, default: 0] += 1 } }
                return bytes
            case 421:
                let leader = response.headers.first(name: "Coffer-Leader")
                lock.withLock {
                    failures.append(421)
                    if let leader, let index = agents.firstIndex(of: leader) { current = index } else { current += 1 }
                }
            default:
                let reason = String(decoding: bytes, as: UTF8.self)
                lock.withLock { failures.append(Int(response.status.code)) }
                throw .unreachable(device: "realm", reason: "HTTP \(response.status.code): \(reason)")
            }
        }
        throw .noResponse(device: "realm", afterMilliseconds: 0)
    }
}

/// Runs blocking client work on a thread of its own, off Swift's cooperative pool (the agents run there).
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            continuation.resume(with: Result { try work() })
        }.start()
    }
}
