/// The home an agent serves: its areas and entities, as the config or a home file describes them
/// (JSON or YAML): {"areas": [{"id", "name", "floor"?}], "entities": [{"entity_id", "name", "area",
/// "aliases"?, "device_class"?, "mqtt"?: {"command_topic", "payload"}}]}.
public struct Home: Sendable, Equatable, Codable {
    public struct Area: Sendable, Equatable, Codable {
        public var id: String
        public var name: String
        public var floor: String?
        public init(id: String, name: String, floor: String? = nil) {
            self.id = id
            self.name = name
            self.floor = floor
        }
    }

    public struct Entity: Sendable, Equatable, Codable {
        /// An MQTT topic and payload template the agent publishes to itself for this entity.
        public struct MQTTCommand: Sendable, Equatable, Codable {
            public var commandTopic: String
            public var payload: String?
            enum CodingKeys: String, CodingKey {
                case commandTopic = "command_topic"
                case payload
            }
        }

        public var entityID: String
        public var name: String
        public var area: String?
        public var aliases: [String]?
        public var deviceClass: String?
        public var mqtt: MQTTCommand?

        /// The part of the entity id before the dot: light, switch, climate, cover, ...
        public var domain: String { String(entityID.prefix { $0 != "." }) }

        public init(entityID: String, name: String, area: String?, aliases: [String]? = nil,
                    deviceClass: String? = nil, mqtt: MQTTCommand? = nil) {
            self.entityID = entityID
            self.name = name
            self.area = area
            self.aliases = aliases
            self.deviceClass = deviceClass
            self.mqtt = mqtt
        }

        enum CodingKeys: String, CodingKey {
            case entityID = "entity_id"
            case name, area, aliases
            case deviceClass = "device_class"
            case mqtt
        }
    }

    public var areas: [Area]
    public var entities: [Entity]

    public init(areas: [Area], entities: [Entity]) {
        self.areas = areas
        self.entities = entities
    }
}
