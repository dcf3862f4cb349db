#!/usr/bin/env python3
"""Bounded load test of `edgellm agent`: N commands at R per second, end-to-end latency from
publish to reply (p50/p90/p99/max) and the budget hit rate.

Standard library only: a minimal MQTT 3.1.1 client (CONNECT, SUBSCRIBE, PUBLISH QoS 1, PUBACK).

  # against a running agent
  scripts/bench/agent_load.py --broker 127.0.0.1:1883 --device-id pi -n 200 -r 5
  # start a broker and an agent of its own (keyword recognizer with a simulated cost, or the model)
  scripts/bench/agent_load.py --spawn --recognizer keyword --keyword-cost-ms 50 -n 300 -r 40

Everything is bounded: the run ends `--drain-s` seconds after the last publish at the latest.
"""
import argparse, json, os, platform, shutil, signal, socket, struct, subprocess, sys, tempfile, threading, time

def varint(n):
    out = bytearray()
    while True:
        b = n % 128; n //= 128
        out.append(b | (0x80 if n else 0))
        if not n: return bytes(out)

def mqtt_str(s):
    b = s.encode(); return struct.pack("!H", len(b)) + b

class MiniMQTT:
    def __init__(self, host, port, client_id):
        self.sock = socket.create_connection((host, port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.lock = threading.Lock()
        self.next_id = 1
        body = mqtt_str("MQTT") + bytes([4, 0x02]) + struct.pack("!H", 0) + mqtt_str(client_id)
        self.send(0x10, body)
        kind, payload = self.read_packet()
        if kind & 0xF0 != 0x20 or payload[1] != 0: raise SystemExit(f"MQTT broker refused the connection: {payload!r}")
        self.sock.settimeout(0.2)

    def send(self, header, body):
        with self.lock: self.sock.sendall(bytes([header]) + varint(len(body)) + body)

    def read_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk: raise ConnectionError("broker closed the connection")
            buf += chunk
        return buf

    def read_packet(self):
        header = self.read_exact(1)[0]
        length, mult = 0, 1
        while True:
            b = self.read_exact(1)[0]
            length += (b & 127) * mult; mult *= 128
            if not b & 128: break
        return header, self.read_exact(length) if length else b""

    def packet_id(self):
        with self.lock:
            pid = self.next_id; self.next_id = self.next_id % 65535 + 1
        return pid

    def subscribe(self, topic):
        self.send(0x82, struct.pack("!H", self.packet_id()) + mqtt_str(topic) + bytes([1]))

    def publish(self, topic, payload, qos=1):
        body = mqtt_str(topic) + (struct.pack("!H", self.packet_id()) if qos else b"") + payload
        self.send(0x30 | (qos << 1), body)

def percentile(values, p):
    if not values: return float("nan")
    s = sorted(values); k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

def wait_port(host, port, timeout):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection((host, port), timeout=0.5).close(); return True
        except OSError: time.sleep(0.05)
    return False

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--broker", default="127.0.0.1:1883")
    ap.add_argument("--device-id", default="bench")
    ap.add_argument("--prefix", default="edgellm")
    ap.add_argument("-n", type=int, default=100, help="commands to send")
    ap.add_argument("-r", type=float, default=10.0, help="commands per second")
    ap.add_argument("--budget-ms", type=float, default=None, help="per-command budget_ms (default: the agent's)")
    ap.add_argument("--text", action="append", help="command texts, used in turn (repeatable)")
    ap.add_argument("--drain-s", type=float, default=30.0, help="wait at most this long for replies after the last publish")
    ap.add_argument("--json", help="also write the summary here")
    sp = ap.add_argument_group("--spawn: a broker and an agent of the benchmark's own")
    sp.add_argument("--spawn", action="store_true")
    sp.add_argument("--bin", default=".build/release/edgellm")
    sp.add_argument("--recognizer", default="keyword")
    sp.add_argument("--keyword-cost-ms", type=float, default=0)
    sp.add_argument("--model", default="models/smollm2-135m.q8.tm2.bin")
    sp.add_argument("--home", default="config/home.example.yaml")
    sp.add_argument("--agent-budget-ms", type=float, default=1500)
    sp.add_argument("--queue", type=int, default=8)
    sp.add_argument("--no-warmup", action="store_true")
    args = ap.parse_args()
    texts = args.text or ["turn on the kitchen light", "switch off the living room lamp",
                          "turn off the bedroom light", "turn on the garage fan"]

    children, workdir = [], None
    def cleanup():
        for p in reversed(children):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try: p.wait(10)
                except subprocess.TimeoutExpired: p.kill(); p.wait()
    try:
        if args.spawn:
            workdir = tempfile.mkdtemp(prefix="edgellm-bench-")
            port = free_port()
            with open(os.path.join(workdir, "mosquitto.conf"), "w") as f:
                f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n")
            mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
            children.append(subprocess.Popen([mosquitto, "-c", os.path.join(workdir, "mosquitto.conf")],
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            if not wait_port("127.0.0.1", port, 5): raise SystemExit("mosquitto did not start")
            with open(os.path.join(workdir, "agent.yaml"), "w") as f:
                f.write(f"device_id: {args.device_id}\nrecognizer: {args.recognizer}\nmodel: {args.model}\n"
                        f"home: {args.home}\nkeyword_cost_ms: {args.keyword_cost_ms}\n"
                        f"budget_ms: {args.agent_budget_ms}\nqueue_capacity: {args.queue}\n"
                        f"warmup: {'false' if args.no_warmup else 'true'}\n"
                        f"discovery: false\nlog_level: info\n")
            log = open(os.path.join(workdir, "agent.log"), "w")
            children.append(subprocess.Popen([args.bin, "agent", "--config", os.path.join(workdir, "agent.yaml"),
                                              "--broker", f"127.0.0.1:{port}"], stdout=log, stderr=log))
            host = "127.0.0.1"
        else:
            host, _, p = args.broker.rpartition(":"); port = int(p)

        base = f"{args.prefix}/{args.device_id}"
        client = MiniMQTT(host, port, f"bench-{os.getpid()}")
        client.subscribe(base + "/reply"); client.subscribe(base + "/status")
        replies, sent, online = {}, {}, threading.Event()
        done = threading.Event()

        def reader():
            while not done.is_set():
                try: kind, payload = client.read_packet()
                except socket.timeout: continue
                except (ConnectionError, OSError): return
                if kind & 0xF0 != 0x30: continue
                tlen = struct.unpack("!H", payload[:2])[0]
                topic = payload[2:2 + tlen].decode()
                body = payload[2 + tlen:]
                if (kind >> 1) & 3:  # QoS 1: a packet id to acknowledge
                    pid = struct.unpack("!H", body[:2])[0]; body = body[2:]
                    client.send(0x40, struct.pack("!H", pid))
                t = time.perf_counter()
                if topic.endswith("/status"):
                    if body == b"online": online.set()
                    continue
                try: m = json.loads(body)
                except ValueError: continue
                if m.get("id") in sent and m["id"] not in replies: replies[m["id"]] = (t, m)
        threading.Thread(target=reader, daemon=True).start()
        if not online.wait(120 if args.spawn else 10):
            raise SystemExit(f"the agent on {base} is not online" + (f" (log: {workdir}/agent.log)" if workdir else ""))
        time.sleep(0.2)

        interval, start = 1.0 / args.r, time.perf_counter()
        for i in range(args.n):
            target = start + i * interval
            while (d := target - time.perf_counter()) > 0: time.sleep(min(d, 0.01))
            cid = f"c{i}"
            cmd = {"id": cid, "text": texts[i % len(texts)]}
            if args.budget_ms: cmd["budget_ms"] = args.budget_ms
            sent[cid] = time.perf_counter()
            client.publish(base + "/command", json.dumps(cmd).encode())
        send_s = time.perf_counter() - start
        end = time.perf_counter() + args.drain_s
        while len(replies) < len(sent) and time.perf_counter() < end: time.sleep(0.01)
        done.set()

        e2e = {cid: (t - sent[cid]) * 1000 for cid, (t, _) in replies.items()}
        # `rejected` with an error text is the agent's own (overload, budget); without, the recognizer's
        # verdict that the command is not for this home.
        by_status = {}
        for cid, (_, m) in replies.items():
            status = "overloaded" if m["status"] == "rejected" and m.get("error") else m["status"]
            by_status.setdefault(status, []).append(cid)
        ok = by_status.get("ok", [])
        budget = {cid: m["timing"]["budget_ms"] for cid, (_, m) in replies.items()}
        # A hit: the recognizer's verdict (ok, or not a command for this home) within the budget, end to end.
        hit = [cid for cid, (_, m) in replies.items() if m["timing"]["met"] and e2e[cid] <= budget[cid]]
        def stats(ids):
            v = [e2e[i] for i in ids]
            return {k: round(percentile(v, p), 1) for k, p in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))} if v else {}
        summary = {
            "commands": args.n, "rate_per_s": args.r, "achieved_rate_per_s": round(args.n / send_s, 1) if send_s else None,
            "answered": len(replies), "lost": args.n - len(replies),
            "status": {k: len(v) for k, v in sorted(by_status.items())},
            "e2e_ms_all": stats(list(replies)), "e2e_ms_ok": stats(ok),
            "budget_hit_rate": round(len(hit) / args.n, 3) if args.n else None,
            # The agent's own arrival-to-reply time, per status: the rest of e2e is the broker and the client.
            "agent_total_ms": {k: {"p50": round(percentile([replies[c][1]["timing"]["total_ms"] for c in v], 50), 1),
                                   "max": round(max(replies[c][1]["timing"]["total_ms"] for c in v), 1)}
                               for k, v in sorted(by_status.items())},
            "e2e_ms_by_status": {k: stats(v) for k, v in sorted(by_status.items())},
            "machine": f"{platform.machine()} {os.cpu_count()} cpus, {platform.platform()}",
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        }
        if args.spawn: summary["agent"] = {"recognizer": args.recognizer, "keyword_cost_ms": args.keyword_cost_ms,
                                           "budget_ms": args.agent_budget_ms, "queue_capacity": args.queue,
                                           "warmup": not args.no_warmup}
        print(json.dumps(summary, indent=2))
        if args.json:
            with open(args.json, "w") as f: json.dump(summary, f, indent=2)
        return 0 if summary["lost"] == 0 else 1
    finally:
        cleanup()

if __name__ == "__main__":
    sys.exit(main())
