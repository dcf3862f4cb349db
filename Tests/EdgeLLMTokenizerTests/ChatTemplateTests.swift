import EdgeLLMTokenizer
import Testing

@Suite struct ChatTemplateTests {
    @Test func smolLM2MatchesTransformers() throws {
        let config = try Fixtures.smolConfig()
        let tokenizer = try Fixtures.tokenizer()
        let template = try #require(ChatTemplate.detect(config))
        #expect(template == .chatml)
        let defaultPrompt = ChatTemplate.defaultSystemPrompt(in: config)
        #expect(defaultPrompt == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        let chats = try Fixtures.chats("smollm2")
        #expect(chats.count >= 6)
        for chat in chats {
            let messages = chat.messages.map { ChatMessage(role: $0.role, content: $0.content) }
            let rendered = template.render(messages, addGenerationPrompt: chat.addGenerationPrompt,
                                           defaultSystemPrompt: defaultPrompt)
            #expect(rendered == chat.rendered)
            #expect(tokenizer.encode(rendered) == chat.ids)
        }
    }

    /// Expected text written from Meta's documented Llama 3 prompt format
    /// (llama.com/docs/model-cards-and-prompt-formats/meta-llama-3, and the chat_template of
    /// Meta-Llama-3-8B-Instruct, which trims every message).
    @Test func llama3FollowsMetasFormat() {
        let messages = [
            ChatMessage(role: "system", content: "You are a helpful assistant."),
            ChatMessage(role: "user", content: " Turn on the kitchen lights\n"),
        ]
        let expected = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nTurn on the kitchen lights<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n"
        #expect(ChatTemplate.llama3.render(messages, addGenerationPrompt: true, defaultSystemPrompt: nil) == expected)

        let noSystem = ChatTemplate.llama3.render([ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: false,
                                                  defaultSystemPrompt: "Be brief.")
        #expect(noSystem == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>")
    }

    @Test func defaultPromptOnlyWithoutSystemTurn() {
        let withSystem = ChatTemplate.chatml.render(
            [ChatMessage(role: "system", content: "S"), ChatMessage(role: "user", content: "U")],
            addGenerationPrompt: false, defaultSystemPrompt: "D")
        #expect(withSystem == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n")
        let withoutDefault = ChatTemplate.chatml.render([ChatMessage(role: "user", content: "U")],
                                                        addGenerationPrompt: true, defaultSystemPrompt: nil)
        #expect(withoutDefault == "<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n")
    }

    private func config(tokens: [String], template: String?) -> TokenizerConfig {
        TokenizerConfig(tokens: tokens, merges: [], tokenTypes: [], preTokenizer: .gpt2,
                        bosTokenID: nil, eosTokenID: nil, addBOS: false, chatTemplate: template)
    }

    @Test func detection() {
        let llamaTemplate = "{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}{% endfor %}"
        #expect(ChatTemplate.detect(config(tokens: ["a"], template: llamaTemplate)) == .llama3)
        #expect(ChatTemplate.detect(config(tokens: ["<|start_header_id|>", "<|eot_id|>"], template: nil)) == .llama3)
        #expect(ChatTemplate.detect(config(tokens: ["<|im_start|>", "<|im_end|>"], template: nil)) == .chatml)
        #expect(ChatTemplate.detect(config(tokens: ["a", "b"], template: nil)) == nil)
        #expect(ChatTemplate.detect(config(tokens: ["<|im_start|>", "<|im_end|>"], template: "[INST] {{ m }} [/INST]")) == nil)
    }

    @Test func defaultSystemPromptFromTemplateText() {
        // Qwen2's template, with the newline written as a Jinja escape and a double-quoted variant.
        let qwen = "{% if messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
        #expect(ChatTemplate.defaultSystemPrompt(in: config(tokens: ["a"], template: qwen)) == "You are a helpful assistant.")
        let doubleQuoted = "{{ \"<|im_start|>system\\nYou're Tiny, don\\\"t panic.<|im_end|>\\n\" }}"
        #expect(ChatTemplate.defaultSystemPrompt(in: config(tokens: ["a"], template: doubleQuoted)) == "You're Tiny, don\"t panic.")
        // A system turn built from the message is not a default.
        let fromMessage = "{{ '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
        #expect(ChatTemplate.defaultSystemPrompt(in: config(tokens: ["a"], template: fromMessage)) == nil)
        #expect(ChatTemplate.defaultSystemPrompt(in: config(tokens: ["a"], template: nil)) == nil)
    }
}
