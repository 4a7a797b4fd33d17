// What a realm member keeps durable, and in which order (REALM.md "State inside a member"): its
// membership (group configuration, member id, realm root secret, limit policy), written once when it
// joins, and its tail triple, rewritten at every capture. Both are sealed under a key only this chip
// derives from its UDS. A capture first raises the on-chip tail counter, then seals the tail at that
// value and makes it durable; at boot only the tail page sealed at the counter's value is trusted, so
// two pages can never carry one version and a page put back from the past is refused.

import OPAQUE

/// The realm-wide limit policy fixed by the ceremony's draft.
public struct RealmPolicy: Equatable, Sendable {
    /// The attempt limit of a registration that names none.
    public let defaultAttemptLimit: UInt8
    /// The most attempts a record may have; larger requests are capped.
    public let maxAttemptLimit: UInt8

    public init?(defaultAttemptLimit: UInt8, maxAttemptLimit: UInt8) {
        guard defaultAttemptLimit >= 1, maxAttemptLimit >= defaultAttemptLimit else { return nil }
        self.defaultAttemptLimit = defaultAttemptLimit
        self.maxAttemptLimit = maxAttemptLimit
    }
}

/// The safety checks of realm mode, each of which REALM.md marks "(safety)". Always all on; the
/// realm simulator's negative twins turn one off at a time to show that it finds the attack that
/// check stops. Nothing outside tests may build a member with any of them off.
public struct RealmSafetyChecks: Equatable, Sendable {
    /// A commit needs statements from a majority of the members.
    public var commitNeedsMajority = true
    /// A capture is durable (counter, then sealed tail page) before its statement is returned.
    public var captureIsDurable = true
    /// The tail counter is raised before the tail page is sealed, not after.
    public var counterBeforeSeal = true
    /// A member returns at most one statement per log index, ever: the highest index it voted at is
    /// kept in an on-chip counter, so a member that lost its tail page and jumped back follows the
    /// chain silently up to it. (The simulator found the double vote without it: a fork after a jump.)
    public var votesOncePerIndex = true
    /// Proofs are checked against the tail root, not the last committed root.
    public var proofsAgainstTail = true
    /// A jump needs statements from a majority of the other members.
    public var jumpNeedsMajority = true
    /// A record's OPRF key is named by its registration nonce and id, not by the id alone.
    public var oprfKeyPerRegistration = true

    public init() {}

    /// Every check on.
    public static let all = RealmSafetyChecks()
}

/// What the membership page holds.
enum MembershipPage {
    /// Erased: the chip has never joined a realm (or was zeroized).
    case none
    /// Written but it does not open: never read as "no realm".
    case damaged
    case member(id: UInt8, policy: RealmPolicy, votedBase: UInt32, root: [UInt8], configuration: RealmGroupConfiguration)
}

/// The realm area of a chip's flash (docs/PROTOCOL.md §11.5): three blocks of 1 KiB (membership,
/// tail A, tail B), each on whole pages, right after the standalone store (`FlashLayout.realmFirstPage`).
public enum RealmArea {
    /// Bytes reserved for each block.
    public static var blockSize: Int { 1024 }
    /// Blocks in the area.
    public static var blockCount: Int { 3 }
    /// Pages the area needs on a flash of `pageSize`-byte pages.
    public static func pages(pageSize: Int) -> Int { blockCount * ((blockSize + pageSize - 1) / pageSize) }
}

/// Where a member's realm pages sit in its flash, and their codec.
struct RealmMemberStorage<Flash: FlashMemory, Counters: CounterBank, Engine: CryptoEngine> {
    /// Bytes reserved for each of the three blocks (membership, tail A, tail B).
    static var blockSize: Int { RealmArea.blockSize }
    /// HKDF info of the key that seals a member's pages.
    static var pageKeyLabel: [UInt8] { Array("coffer/realm/v1/member-page-key".utf8) }
    static var membershipAAD: [UInt8] { Array("coffer/realm/v1/membership".utf8) }
    static var tailAAD: [UInt8] { Array("coffer/realm/v1/tail".utf8) }

    let flash: Flash
    let counters: Counters
    let engine: Engine
    /// First flash page of the realm area.
    let firstPage: Int
    let pageKey: SecretBytes
    let checks: RealmSafetyChecks

    var pagesPerBlock: Int { (Self.blockSize + flash.pageSize - 1) / flash.pageSize }
    /// Pages the realm area needs.
    static func requiredPages(pageSize: Int) -> Int { RealmArea.pages(pageSize: pageSize) }

    func offset(block: Int) -> Int { (firstPage + block * pagesPerBlock) * flash.pageSize }

    /// Erases and programs `bytes` (length-prefixed) into `block`.
    func write(block: Int, _ bytes: [UInt8]) throws(HALError) {
        precondition(bytes.count + 2 <= Self.blockSize, "realm block overflow")
        for page in 0..<pagesPerBlock { try flash.erase(page: firstPage + block * pagesPerBlock + page) }
        try flash.program(
            offset: offset(block: block),
            bytes: [UInt8(truncatingIfNeeded: bytes.count >> 8), UInt8(truncatingIfNeeded: bytes.count)] + bytes)
    }

    /// The length-prefixed bytes of `block`, nil when erased or the length is impossible.
    func read(block: Int) throws(HALError) -> [UInt8]? {
        let header = try flash.read(offset: offset(block: block), count: 2)
        let length = Int(header[0]) << 8 | Int(header[1])
        guard length > 0, length + 2 <= Self.blockSize else { return nil }
        return try flash.read(offset: offset(block: block) + 2, count: length)
    }

    /// nonce (12) ‖ AES-256-GCM under the page key.
    func seal(_ plaintext: [UInt8], aad: [UInt8], nonce: [UInt8]) throws(HALError) -> [UInt8] {
        nonce + (try engine.sealAESGCM(key: pageKey.bytes, nonce: nonce, plaintext: plaintext, aad: aad))
    }

    func open(_ sealed: [UInt8], aad: [UInt8]) -> [UInt8]? {
        guard sealed.count > 12 else { return nil }
        return try? engine.openAESGCM(
            key: pageKey.bytes, nonce: Array(sealed[0..<12]), sealed: Array(sealed[12...]), aad: aad)
    }

    // MARK: The tail

    /// Makes `tail` durable in REALM.md's order: counter first, then the page sealed at its value.
    func persist(
        _ tail: RealmTail, voted: Bool, configuration: RealmGroupConfiguration, nonce: [UInt8],
        isCapture: Bool = true
    ) throws(HALError) {
        // The negative twin keeps captures in RAM only (the genesis tail of a join stays durable).
        guard checks.captureIsDurable || !isCapture else { return }
        if checks.counterBeforeSeal {
            let version = try counters.increment(CounterLayout.realmTail)
            try writeTail(tail, voted: voted, version: version, configuration: configuration, nonce: nonce)
        } else {
            // The negative twin: seal at the next value, then raise the counter.
            let version = try counters.read(CounterLayout.realmTail) &+ 1
            try writeTail(tail, voted: voted, version: version, configuration: configuration, nonce: nonce)
            _ = try counters.increment(CounterLayout.realmTail)
        }
    }

    private func writeTail(
        _ tail: RealmTail, voted: Bool, version: UInt32, configuration: RealmGroupConfiguration, nonce: [UInt8]
    ) throws(HALError) {
        let sealed = try seal(
            tail.encoded() + [voted ? 1 : 0], aad: Self.tailAAD + bigEndian(version) + configuration.encoded(), nonce: nonce)
        try write(block: 1 + Int(version % 2), bigEndian(version) + sealed)
    }

    /// The highest index voted at in the group joined when counter 5 stood at `base` (the counter
    /// keeps `base + index`: it never goes down, so a group joined later starts from its value then).
    func votedIndex(base: UInt32) throws(HALError) -> UInt64 {
        let value = try counters.read(CounterLayout.realmVotedIndex)
        return value > base ? UInt64(value - base) : 0
    }

    /// Raises the voted index to `index` in one durable write (the twin without durable captures
    /// keeps it in nothing, like its tail).
    func recordVote(at index: UInt64, base: UInt32) throws(HALError) {
        guard checks.captureIsDurable, checks.votesOncePerIndex else { return }
        guard index <= UInt64(UInt32.max - base) else { throw .counterExhausted }
        let value = base + UInt32(index)
        if try counters.read(CounterLayout.realmVotedIndex) < value {
            _ = try counters.advance(CounterLayout.realmVotedIndex, to: value)
        }
    }

    /// The tail sealed at the counter's value and whether the member voted for it, or nil when no
    /// such page opens (the member then votes no more until a certified jump).
    func loadTail(configuration: RealmGroupConfiguration) throws(HALError) -> (tail: RealmTail, voted: Bool)? {
        let version = try counters.read(CounterLayout.realmTail)
        guard let block = try read(block: 1 + Int(version % 2)), block.count > 4 else { return nil }
        var reader = RealmReader(block)
        guard let stored = reader.u32(), stored == version, let sealed = reader.take(reader.remaining),
            let plain = open(sealed, aad: Self.tailAAD + bigEndian(version) + configuration.encoded()),
            plain.count == RealmTail.length + 1, plain[RealmTail.length] <= 1,
            let tail = RealmTail(decoding: Array(plain[0..<RealmTail.length]))
        else { return nil }
        return (tail, plain[RealmTail.length] == 1)
    }

    // MARK: Membership

    /// member id ‖ default limit ‖ max limit ‖ voted base (u32) ‖ root (32) ‖ configuration.
    func writeMembership(
        memberID: UInt8, policy: RealmPolicy, votedBase: UInt32, root: [UInt8],
        configuration: RealmGroupConfiguration, nonce: [UInt8]
    ) throws(HALError) {
        let plain =
            [memberID, policy.defaultAttemptLimit, policy.maxAttemptLimit] + bigEndian(votedBase) + root
            + configuration.encoded()
        try write(block: 0, try seal(plain, aad: Self.membershipAAD, nonce: nonce))
    }

    func loadMembership() throws(HALError) -> MembershipPage {
        guard let block = try read(block: 0) else { return .none }
        guard let plain = open(block, aad: Self.membershipAAD) else { return .damaged }
        var reader = RealmReader(plain)
        guard let member = reader.u8(), let defaultLimit = reader.u8(), let maxLimit = reader.u8(),
            let policy = RealmPolicy(defaultAttemptLimit: defaultLimit, maxAttemptLimit: maxLimit),
            let votedBase = reader.u32(), let root = reader.take(RealmSecrets.rootLength),
            let configuration = RealmGroupConfiguration(encoded: Array(reader.take(reader.remaining) ?? [])),
            Int(member) < configuration.members.count
        else { return .damaged }
        return .member(id: member, policy: policy, votedBase: votedBase, root: root, configuration: configuration)
    }

    /// Erases every realm page (zeroize).
    func eraseAll() throws(HALError) {
        for page in 0..<RealmArea.blockCount * pagesPerBlock { try flash.erase(page: firstPage + page) }
    }
}
