import NIOCore

extension LoadDriver {
    /// What happened to one client.
    enum OpenResult: Sendable {
        case joined(ConnectionHandle, nanos: UInt64, refused503: Int, joinRetries: Int)
        case failed(reason: String, refused503: Int, joinRetries: Int)
    }

    /// Connects (client `i` to gateway `i % gateways`, source address `i % sources`) and joins
    /// every planned client, at most `concurrency` at a time and, with `rate`, starting at most
    /// `rate` clients per second. A 503 (the gateway's admission limit) is retried after its
    /// `Retry-After`; a join answered `unavailable` is retried too. Time is measured from the
    /// first attempt to `joined`.
    public func open(_ plans: [ClientPlan], concurrency: Int, rate: Double? = nil, phase: String) async -> OpenOutcome {
        await monitor.setPhase(phase)
        let start = Self.now
        var outcome = OpenOutcome()
        var done = 0
        await withTaskGroup(of: OpenResult.self) { tasks in
            var next = 0
            func add() async {
                let plan = plans[next]
                if let rate {
                    let due = start + UInt64(Double(next) / rate * 1e9)
                    let now = Self.now
                    if due > now { try? await Task.sleep(nanoseconds: due - now) }
                }
                next += 1
                tasks.addTask { await self.openOne(plan) }
            }
            while next < min(plans.count, concurrency) { await add() }
            while let result = await tasks.next() {
                done += 1
                switch result {
                case .joined(let handle, let nanos, let refused, let retries):
                    outcome.handles[handle.index] = handle
                    outcome.connectJoin.record(nanoseconds: nanos)
                    outcome.refused503 += refused
                    outcome.joinRetries += retries
                    await monitor.recordConnect(nanos: nanos)
                case .failed(let reason, let refused, let retries):
                    outcome.failures[reason, default: 0] += 1
                    outcome.refused503 += refused
                    outcome.joinRetries += retries
                }
                if done % 100 == 0 || done == plans.count {
                    await monitor.setNote("joined \(outcome.handles.count)/\(plans.count), failed \(outcome.failed)")
                }
                if next < plans.count { await add() }
            }
        }
        outcome.seconds = Double(Self.now - start) / 1e9
        await monitor.setNote("")
        return outcome
    }

    private func openOne(_ plan: ClientPlan) async -> OpenResult {
        let start = Self.now
        let gatewayIndex = plan.index % addresses.count
        let source = sourceAddresses.isEmpty ? nil : sourceAddresses[plan.index % sourceAddresses.count]
        var refused = 0
        var joinRetries = 0
        var handle: ConnectionHandle?
        while handle == nil {
            do {
                handle = try await group.connect(
                    index: plan.index, gateway: options.gateways[gatewayIndex], address: addresses[gatewayIndex], source: source,
                    token: plan.identity.token
                )
            } catch ClientFailure.upgradeRefused(let status, let retryAfter) where status == 503 && refused < 120 {
                refused += 1
                // Retry-After plus jitter, so that refused clients do not come back all at once.
                let pause = UInt64(max(1, retryAfter ?? 1)) * 1_000_000_000 + UInt64.random(in: 0...500_000_000)
                try? await Task.sleep(nanoseconds: pause)
            } catch ClientFailure.upgradeRefused(let status, _) {
                return .failed(reason: "upgrade_\(status)", refused503: refused, joinRetries: joinRetries)
            } catch {
                return .failed(reason: Self.connectFailureReason(error), refused503: refused, joinRetries: joinRetries)
            }
        }
        guard let handle else { return .failed(reason: "connect_failed", refused503: refused, joinRetries: joinRetries) }
        if let roomID = plan.roomID {
            while true {
                do {
                    _ = try await handle.join(roomID: roomID, sinceSeq: plan.sinceSeq, tracker: plan.tracker)
                    break
                } catch ClientFailure.joinRefused(let code) where code == "unavailable" && joinRetries < 20 {
                    joinRetries += 1
                    try? await Task.sleep(for: .milliseconds(200))
                } catch {
                    await handle.close()
                    let reason = (error as? ClientFailure).map { failure -> String in
                        if case .joinRefused(let code) = failure { return "join_\(code)" }
                        if case .timedOut = failure { return "join_timeout" }
                        return "join_closed"
                    } ?? "join_failed"
                    return .failed(reason: reason, refused503: refused, joinRetries: joinRetries)
                }
            }
        }
        return .joined(handle, nanos: Self.now - start, refused503: refused, joinRetries: joinRetries)
    }

    static func connectFailureReason(_ error: Error) -> String {
        if let failure = error as? ClientFailure {
            switch failure {
            case .timedOut: return "upgrade_timeout"
            case .badUpgrade: return "upgrade_invalid"
            case .closed: return "upgrade_closed"
            default: return "connect_failed"
            }
        }
        if let io = error as? IOError {
            return "connect_errno_\(io.errnoCode)"
        }
        if error is ChannelError { return "connect_timeout" }
        return "connect_failed"
    }

    /// Closes every handle, a few hundred at a time.
    public func closeAll(_ handles: [ConnectionHandle]) async {
        await withTaskGroup(of: Void.self) { tasks in
            var next = 0
            while next < min(handles.count, 256) {
                let handle = handles[next]
                tasks.addTask { await handle.close() }
                next += 1
            }
            while await tasks.next() != nil {
                if next < handles.count {
                    let handle = handles[next]
                    tasks.addTask { await handle.close() }
                    next += 1
                }
            }
        }
    }
}
