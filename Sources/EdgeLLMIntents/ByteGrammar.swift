/// A deterministic automaton over the bytes of an output line. States are small integers; each
/// has sorted, disjoint byte ranges to its successors. Accepting states are where the line may
/// end (the model then writes its end-of-turn token or "\n").
public struct ByteGrammar: Sendable {
    public struct Edge: Hashable, Sendable {
        public var lo: UInt8
        public var hi: UInt8
        public var target: Int32
    }

    /// State s's edges are edges[edgeStart[s] ..< edgeStart[s + 1]].
    let edgeStart: [Int32]
    let edges: [Edge]
    let accepting: [Bool]
    public let start: Int32
    /// The state after the line's terminator: accepting, with no way on.
    public let end: Int32

    public static let terminator = UInt8(ascii: "\n")

    init(states: [(accepting: Bool, edges: [Edge])], start: Int32, end: Int32) {
        var edgeStart: [Int32] = [0]
        var edges: [Edge] = []
        edgeStart.reserveCapacity(states.count + 1)
        for state in states {
            edges += state.edges
            edgeStart.append(Int32(edges.count))
        }
        self.edgeStart = edgeStart
        self.edges = edges
        accepting = states.map(\.accepting)
        self.start = start
        self.end = end
    }

    public var stateCount: Int { accepting.count }

    public func isAccepting(_ state: Int32) -> Bool { accepting[Int(state)] }

    public func edges(of state: Int32) -> ArraySlice<Edge> {
        edges[Int(edgeStart[Int(state)])..<Int(edgeStart[Int(state) + 1])]
    }

    /// The state after `byte`, or -1 when the byte is not allowed.
    @inline(__always)
    public func step(_ state: Int32, _ byte: UInt8) -> Int32 {
        var i = Int(edgeStart[Int(state)])
        let e = Int(edgeStart[Int(state) + 1])
        while i < e {
            let edge = edges[i]
            if byte < edge.lo { return -1 }
            if byte <= edge.hi { return edge.target }
            i += 1
        }
        return -1
    }

    /// The state after `bytes`, or -1.
    public func walk<C: Sequence>(_ state: Int32, _ bytes: C) -> Int32 where C.Element == UInt8 {
        var s = state
        for b in bytes {
            s = step(s, b)
            if s < 0 { return -1 }
        }
        return s
    }

    /// True when the line is finished: nothing but the terminator may follow.
    public func isComplete(_ state: Int32) -> Bool {
        guard accepting[Int(state)] else { return false }
        return edges(of: state).allSatisfy { $0.lo == Self.terminator && $0.hi == Self.terminator }
    }

    /// The single byte that must follow, when there is exactly one and the line cannot end here.
    public func forcedByte(_ state: Int32) -> UInt8? {
        guard !accepting[Int(state)] else { return nil }
        let e = edges(of: state)
        guard e.count == 1, let only = e.first, only.lo == only.hi else { return nil }
        return only.lo
    }

    /// The shortest bytes that finish the line from `state` (used when the token budget runs out,
    /// so that even a cut-off answer parses). Free text is finished with letters.
    public func shortestCompletion(from state: Int32) -> [UInt8] {
        if accepting[Int(state)] { return [] }
        var previous = [Int32](repeating: -2, count: stateCount)
        var via = [UInt8](repeating: 0, count: stateCount)
        previous[Int(state)] = -1
        var queue = [state]
        var head = 0
        while head < queue.count {
            let s = queue[head]
            head += 1
            if accepting[Int(s)] {
                var bytes: [UInt8] = []
                var t = s
                while previous[Int(t)] >= 0 {
                    bytes.append(via[Int(t)])
                    t = previous[Int(t)]
                }
                return bytes.reversed()
            }
            for edge in edges(of: s) where previous[Int(edge.target)] == -2 {
                previous[Int(edge.target)] = s
                via[Int(edge.target)] = (edge.lo...edge.hi).contains(UInt8(ascii: "a")) ? UInt8(ascii: "a") : edge.lo
                queue.append(edge.target)
            }
        }
        return [] // unreachable for grammars built by GrammarBuilder: every state can finish
    }
}

/// Builds a ByteGrammar from alternatives of byte strings, sharing identical states, so that a
/// value set used after many different slots costs few states.
struct ByteGrammarBuilder {
    private var states: [(accepting: Bool, edges: [ByteGrammar.Edge])] = []
    private var interned: [StateKey: Int32] = [:]

    private struct StateKey: Hashable {
        var accepting: Bool
        var edges: [ByteGrammar.Edge]
    }

    /// The state after a complete line.
    private(set) var end: Int32 = 0

    init() {
        end = intern(accepting: true, edges: [])
    }

    var stateCount: Int { states.count }

    func isAccepting(_ state: Int32) -> Bool { states[Int(state)].accepting }
    func edges(of state: Int32) -> [ByteGrammar.Edge] { states[Int(state)].edges }

    /// A state with these edges, shared with any identical one.
    mutating func intern(accepting: Bool, edges: [ByteGrammar.Edge]) -> Int32 {
        let key = StateKey(accepting: accepting, edges: edges.sorted { $0.lo < $1.lo })
        if let id = interned[key] { return id }
        let id = Int32(states.count)
        states.append((key.accepting, key.edges))
        interned[key] = id
        return id
    }

    /// A state to be defined later (for loops, such as free text).
    mutating func reserve() -> Int32 {
        states.append((false, []))
        return Int32(states.count - 1)
    }

    mutating func define(_ id: Int32, accepting: Bool, edges: [ByteGrammar.Edge]) throws(GrammarError) {
        states[Int(id)] = (accepting, try Self.merged(edges, []))
    }

    /// A state that may end the line here (when `orEnd`), or read one of the items' bytes and go
    /// on as the item's continuation. Items form a trie; where an item ends inside another's
    /// bytes, the node takes its continuation's edges too, which must not clash.
    mutating func choice(_ items: [(bytes: [UInt8], then: Int32)], orEnd: Bool) throws(GrammarError) -> Int32 {
        var trie = [TrieNode()]
        for item in items {
            precondition(!item.bytes.isEmpty)
            var node = 0
            for b in item.bytes {
                if let child = trie[node].children[b] {
                    node = child
                } else {
                    trie.append(TrieNode())
                    trie[node].children[b] = trie.count - 1
                    node = trie.count - 1
                }
            }
            if let existing = trie[node].then, existing != item.then {
                throw GrammarError("'\(String(decoding: item.bytes, as: UTF8.self))' is ambiguous: it leads two ways")
            }
            trie[node].then = item.then
        }
        return try build(trie, 0, orEnd: orEnd)
    }

    private struct TrieNode {
        var children: [UInt8: Int] = [:]
        var then: Int32?
    }

    private mutating func build(_ trie: [TrieNode], _ node: Int, orEnd: Bool) throws(GrammarError) -> Int32 {
        let n = trie[node]
        if n.children.isEmpty, let then = n.then, !orEnd { return then }
        var own: [ByteGrammar.Edge] = []
        for (b, child) in n.children.sorted(by: { $0.key < $1.key }) {
            own.append(.init(lo: b, hi: b, target: try build(trie, child, orEnd: false)))
        }
        var accepting = false
        var inherited: [ByteGrammar.Edge] = []
        if let then = n.then {
            accepting = states[Int(then)].accepting
            inherited = states[Int(then)].edges
        }
        if orEnd {
            accepting = true
            inherited.append(.init(lo: ByteGrammar.terminator, hi: ByteGrammar.terminator, target: end))
        }
        return intern(accepting: accepting, edges: try Self.merged(own, inherited))
    }

    /// Sorted union of two edge lists; overlapping ranges mean the grammar would be ambiguous.
    static func merged(_ a: [ByteGrammar.Edge], _ b: [ByteGrammar.Edge]) throws(GrammarError) -> [ByteGrammar.Edge] {
        var all = (a + b).sorted { $0.lo < $1.lo }
        var out: [ByteGrammar.Edge] = []
        out.reserveCapacity(all.count)
        for edge in all {
            if let last = out.last, edge.lo <= last.hi {
                if last == edge { continue }
                throw GrammarError("byte \(edge.lo) leads two ways")
            }
            out.append(edge)
        }
        all.removeAll()
        return out
    }

    func finish(start: Int32) -> ByteGrammar {
        ByteGrammar(states: states, start: start, end: end)
    }
}

/// A grammar that cannot be built (a home whose names make the line ambiguous), in one line.
public struct GrammarError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
