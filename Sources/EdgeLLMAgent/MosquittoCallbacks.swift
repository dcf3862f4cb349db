import CMosquitto
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// libmosquitto calls these on the client's network thread. They are plain C functions, not
// closures: a closure formed in main-actor code (top-level code in main.swift) would carry that
// isolation and trap when C calls it from another thread. Context comes through the userdata
// pointer, an unretained MQTTClient that outlives the network thread (MQTTClient joins the thread
// before it destroys the libmosquitto handle).

@inline(__always)
private func client(_ userdata: UnsafeMutableRawPointer?) -> MQTTClient? {
    guard let userdata else { return nil }
    return Unmanaged<MQTTClient>.fromOpaque(userdata).takeUnretainedValue()
}

func mosquittoOnConnect(_ mosq: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ rc: Int32,
                        _ flags: Int32, _ properties: OpaquePointer?) {
    // CONNACK flags bit 0 is "session present": the broker kept our subscriptions and queue.
    client(userdata)?.handleConnect(returnCode: rc, sessionPresent: flags & 1 != 0)
}

func mosquittoOnDisconnect(_ mosq: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ rc: Int32,
                           _ properties: OpaquePointer?) {
    client(userdata)?.handleDisconnect(returnCode: rc)
}

func mosquittoOnPublish(_ mosq: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ mid: Int32,
                        _ reasonCode: Int32, _ properties: OpaquePointer?) {
    client(userdata)?.handlePublished(messageID: mid)
}

func mosquittoOnMessage(_ mosq: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?,
                        _ message: UnsafePointer<mosquitto_message>?, _ properties: OpaquePointer?) {
    guard let client = client(userdata), let m = message?.pointee else { return }
    // Everything is copied out now: libmosquitto frees the message when this function returns.
    let topic = m.topic.map { String(cString: $0) } ?? ""
    var payload: [UInt8] = []
    if let bytes = m.payload, m.payloadlen > 0 {
        payload = Array(UnsafeRawBufferPointer(start: bytes, count: Int(m.payloadlen)))
    }
    var responseTopic: String?
    var correlationData: [UInt8]?
    if let properties {
        var value: UnsafeMutablePointer<CChar>?
        if mosquitto_property_read_string(properties, Int32(MQTT_PROP_RESPONSE_TOPIC.rawValue), &value, false) != nil,
           let value {
            responseTopic = String(cString: value)
            free(value)
        }
        var data: UnsafeMutableRawPointer?
        var length: UInt16 = 0
        if mosquitto_property_read_binary(properties, Int32(MQTT_PROP_CORRELATION_DATA.rawValue), &data, &length,
                                          false) != nil {
            correlationData = data.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(length))) } ?? []
            free(data)
        }
    }
    client.handleMessage(MQTTMessage(topic: topic, payload: payload, qos: m.qos, retain: m.retain,
                                     responseTopic: responseTopic, correlationData: correlationData))
}

func mosquittoOnLog(_ mosq: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ level: Int32,
                    _ message: UnsafePointer<CChar>?) {
    guard let message else { return }
    client(userdata)?.handleLog(level: level, message: String(cString: message))
}
