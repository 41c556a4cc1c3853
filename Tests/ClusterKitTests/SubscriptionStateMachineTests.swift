import ClusterKit
import Testing

@Suite struct SubscriptionStateMachineTests {
    @Test func firstSubscriberSubscribes_lastUnsubscribes() {
        var machine = SubscriptionStateMachine()
        #expect(machine.connected() == .none)
        #expect(machine.subscribeRequested("room:1") == .subscribe(["room:1"]))
        #expect(machine.subscribeRequested("room:1") == .none)
        #expect(machine.unsubscribeRequested("room:1") == .none)
        #expect(machine.unsubscribeRequested("room:1") == .unsubscribe(["room:1"]))
        #expect(machine.channels.isEmpty)
    }

    @Test func subscriptionsWhileDisconnected_areSentOnConnect() {
        var machine = SubscriptionStateMachine()
        #expect(machine.subscribeRequested("b") == .none)
        #expect(machine.subscribeRequested("a") == .none)
        #expect(machine.connected() == .subscribe(["a", "b"]))
    }

    @Test func reconnect_resubscribesEveryHeldChannel() {
        var machine = SubscriptionStateMachine()
        _ = machine.connected()
        _ = machine.subscribeRequested("x")
        _ = machine.subscribeRequested("y")
        _ = machine.subscribeRequested("y")
        _ = machine.subscribeRequested("z")
        _ = machine.unsubscribeRequested("z")
        machine.disconnected()
        #expect(!machine.isConnected)
        // Changes while disconnected are not sent, only remembered.
        #expect(machine.unsubscribeRequested("x") == .none)
        #expect(machine.subscribeRequested("w") == .none)
        #expect(machine.connected() == .subscribe(["w", "y"]))
        #expect(machine.count(of: "y") == 2)
    }

    @Test func unbalancedUnsubscribe_isIgnored() {
        var machine = SubscriptionStateMachine()
        _ = machine.connected()
        #expect(machine.unsubscribeRequested("never") == .none)
        #expect(machine.count(of: "never") == 0)
    }
}
