import Foundation
import Testing

/// `edgellm bench`, and the thread and memory options of `run`. An extension of the command-line
/// suite so that it shares its converted model and runs serialised with it.
extension CommandLineTests {
    @Test func benchPrintsATableAndWritesTheDocumentedJSON() throws {
        let model = try Self.tinyModel.get()
        let json = Self.temporaryPath("bench.json")
        let r = try Self.run(["bench", model, "-p", "6", "-n", "5", "--runs", "3", "--warmup", "1",
                              "--threads", "2", "--ctx", "16", "--json", json])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("token ms") && r.stdout.contains("decode"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        #expect(object["model"] as? String == model)
        #expect(object["threads"] as? Int == 2)
        #expect(object["prompt_tokens"] as? Int == 6)
        #expect(object["gen_tokens"] as? Int == 5)
        #expect(object["runs"] as? Int == 3)
        #expect(object["ctx"] as? Int == 16)
        for key in ["ttft_ms", "token_ms", "request_ms"] { #expect(object[key] is [String: Any], "\(key)") }
        let token = try #require(object["token_ms"] as? [String: Double])
        for key in ["p50", "p90", "p99", "max", "std"] { #expect(token[key] != nil, "token_ms.\(key)") }
        #expect(token["p50"]! <= token["p99"]! && token["p99"]! <= token["max"]!)
        for key in ["prefill_tok_s", "decode_tok_s", "peak_rss_mb", "model_size_mb"] {
            #expect((object[key] as? Double ?? 0) > 0, "\(key)")
        }
        #expect(object["same_tokens_every_run"] as? Bool == true)
    }

    @Test(arguments: [
        (["--threads", "0"], "--threads must be in 1...256, not 0"),
        (["--threads", "100000"], "--threads must be in"),
        (["--runs", "0"], "--runs must be 1 or more"),
        (["-n", "0"], "-n must be 1 or more"),
        (["-p", "0"], "-p must be 1 or more"),
        (["--warmup=-1"], "--warmup must be 0 or more"),
        (["-p", "100", "--ctx", "64"], "-p 100 and -n 64 need 164 positions, more than --ctx 64"),
        (["--json", "/nonexistent-dir/bench.json"], "cannot write --json '/nonexistent-dir/bench.json'"),
    ])
    func benchRefusesBadInputInOneLine(args: [String], message: String) throws {
        expectOneLineError(try Self.run(["bench", try Self.tinyModel.get()] + args), containing: message)
    }

    @Test func benchOfAMissingModelFailsInOneLineAndLeavesNoJSON() throws {
        let json = Self.temporaryPath("never.json")
        expectOneLineError(try Self.run(["bench", "/nonexistent/model.tm2.bin", "--json", json]), containing: "cannot open")
        #expect(!FileManager.default.fileExists(atPath: json))
    }

    @Test func runGivesTheSameTextForAnyThreadCount() throws {
        let model = try Self.tinyModel.get()
        let args = [model, "-i", "hello", "-n", "12", "-t", "0.9", "-s", "5"]
        let one = try Self.run(args + ["--threads", "1"])
        let two = try Self.run(args + ["--threads", "2", "--pin", "--mlock"])
        let three = try Self.run(args + ["--threads", "3"])
        #expect(one.status == 0 && two.status == 0 && three.status == 0, "\(two.stderr)")
        #expect(!one.stdout.isEmpty)
        #expect(two.stdout == one.stdout && three.stdout == one.stdout)
    }

    @Test func runRefusesZeroThreadsInOneLine() throws {
        expectOneLineError(try Self.run([try Self.tinyModel.get(), "--threads", "0"]), containing: "--threads must be in 1...256")
    }

    @Test func benchHelp() throws {
        let r = try Self.run(["bench", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE") && r.stdout.contains("--json") && r.stdout.contains("--mlock"))
    }
}
