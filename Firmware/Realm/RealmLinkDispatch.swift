// The member's side of the link: one agent command's bytes in, the reply's bytes out
// (docs/PROTOCOL.md §11.7).

extension RealmMember {
    /// Serves one agent command (a member command, 0x60–0x67, or a ceremony command, 0x68–0x6E):
    /// decodes `payload` as the request of vendor command `command`, calls the member and returns the
    /// encoded reply, always within `RealmLinkLimits.maxMessageLength`.
    /// A batch whose entry or responses would not fit one message is stepped down and answered
    /// `tooLarge` (nothing of it was released, so nothing was counted).
    public func handle(command: UInt8, payload: [UInt8]) -> [UInt8] {
        if RealmCeremonyOperation(rawValue: command) != nil { return handleCeremony(command: command, payload: payload) }
        let request: RealmLinkRequest
        do {
            request = try RealmLinkRequest(command: command, payload: payload)
        } catch {
            return RealmLinkReply.failure(status: RealmLinkStatus.code(error)).encoded()
        }
        do throws(RealmError) {
            return try serve(request).encoded()
        } catch {
            return RealmLinkReply.failure(status: error.wireCode).encoded()
        }
    }

    func serve(_ request: RealmLinkRequest) throws(RealmError) -> RealmLinkReply {
        switch request {
        case .realmInfo:
            return .realmInfo(
                RealmInfo(memberID: memberID, tail: tail, configuration: configuration?.encoded(), proofBase: proofBase))
        case .treeKeys(let requests):
            return .treeKeys(treeKeys(for: requests))
        case .propose(let requests, let proofBytes, let leaves):
            let proof: RecordTree
            do {
                proof = try RecordTree(decoding: proofBytes)
            } catch {
                return .failure(status: RealmLinkStatus.malformed)
            }
            let entry = try propose(requests, proof: proof, leaves: leaves)
            let reply = RealmLinkReply.propose(entry)
            let released = RealmLinkReply.commit(released: proposal?.responses ?? [])
            guard reply.encoded().count <= RealmLinkLimits.maxMessageLength,
                released.encoded().count <= RealmLinkLimits.maxMessageLength
            else {
                _ = stepDown()
                return .failure(status: RealmLinkStatus.tooLarge)
            }
            return reply
        case .capture(let entry):
            let captured = try capture(entry)
            return .capture(statement: captured.statement, abandoned: captured.abandoned)
        case .commit(let statements):
            return .commit(released: try commit(statements))
        case .stepDown:
            return .stepDown(abandoned: stepDown())
        case .tailStatement:
            return .tailStatement(tailStatement())
        case .jump(let entry, let certificate):
            try jump(to: entry, certificate: certificate)
            return .jump
        }
    }
}
