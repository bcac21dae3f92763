/// A resource's, span's or event's attributes in the exporter's order, looked up by key.
///
/// OTLP requires keys to be unique; when an exporter repeats one anyway, the first wins.
public struct OTLPAttributes: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: OTLPValue

        public init(_ key: String, _ value: OTLPValue) {
            self.key = key
            self.value = value
        }
    }

    public var entries: [Entry]

    public init(_ entries: [Entry] = []) {
        self.entries = entries
    }

    public subscript(key: String) -> OTLPValue? {
        entries.first { $0.key == key }?.value
    }

    /// The first of `keys` that is present with a non-empty string value.
    public func string(_ keys: String...) -> String? {
        for key in keys {
            if let text = self[key]?.stringValue, !text.isEmpty { return text }
        }
        return nil
    }

    /// The first of `keys` that is present with an integer value (see `OTLPValue.integerValue`).
    public func integer(_ keys: String...) -> Int64? {
        for key in keys {
            if let value = self[key]?.integerValue { return value }
        }
        return nil
    }

    public var isEmpty: Bool { entries.isEmpty }
}

extension OTLPAttributes: ExpressibleByDictionaryLiteral {
    /// For tests and examples: `["gen_ai.operation.name": .string("chat")]`, in literal order.
    public init(dictionaryLiteral elements: (String, OTLPValue)...) {
        self.init(elements.map { Entry($0.0, $0.1) })
    }
}
