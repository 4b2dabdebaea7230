"""The six LLM providers the gateway knows, and how their models are named.

A provider's model list holds provider model ids, optionally with a public alias: `alias=provider/model/id`.
Public model names (what routing, the API and the page use) are the bare id for OpenAI and Anthropic and
`<provider>/<alias or id>` for the others, e.g. `ollama/llama3` or `together_ai/llama-3-70b`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProviderSpec:
    id: str
    name: str
    litellm_prefix: str          # LiteLLM's provider prefix for the deployment model
    default_api_base: str
    key_env: str | None           # environment variable with the API key
    needs_key: bool
    is_local: bool
    bare_names: bool              # public names without the provider prefix (OpenAI, Anthropic)
    default_models: tuple[str, ...]


PROVIDERS: dict[str, ProviderSpec] = {p.id: p for p in (
    ProviderSpec("openai", "OpenAI", "openai", "https://api.openai.com/v1", "OPENAI_API_KEY", True, False, True,
                 ("gpt-3.5-turbo", "gpt-4", "gpt-4-turbo", "gpt-4o", "gpt-4o-mini")),
    ProviderSpec("anthropic", "Anthropic", "anthropic", "https://api.anthropic.com", "ANTHROPIC_API_KEY", True, False,
                 True, ("claude-3-haiku-20240307", "claude-3-sonnet-20240229", "claude-3-opus-20240229",
                        "claude-3-5-sonnet-20240620")),
    ProviderSpec("ollama", "Ollama (local)", "ollama_chat", "http://localhost:11434", None, False, True, False,
                 ("llama3", "mistral", "codellama")),
    ProviderSpec("together_ai", "Together AI", "together_ai", "https://api.together.xyz/v1", "TOGETHERAI_API_KEY",
                 True, False, False, ("llama-3-70b=meta-llama/Llama-3-70b-chat-hf",
                                      "mixtral-8x7b=mistralai/Mixtral-8x7B-Instruct-v0.1")),
    ProviderSpec("openrouter", "OpenRouter", "openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", True,
                 False, False, ("openai/gpt-4o", "anthropic/claude-3-haiku", "meta-llama/llama-3-70b-instruct")),
    ProviderSpec("nvidia_nim", "NVIDIA NIM", "nvidia_nim", "https://integrate.api.nvidia.com/v1", "NVIDIA_NIM_API_KEY",
                 True, False, False, ("meta/llama3-70b-instruct", "mistralai/mixtral-8x7b-instruct-v0.1")),
)}


@dataclass(frozen=True)
class ModelRef:
    """One routable model: its public name and the deployment LiteLLM calls."""

    public: str
    provider: str
    provider_model: str

    @property
    def litellm_model(self) -> str:
        return f"{PROVIDERS[self.provider].litellm_prefix}/{self.provider_model}"

    @property
    def price_keys(self) -> tuple[str, ...]:
        """Keys under which LiteLLM's price map may know this model (most specific first)."""
        spec = PROVIDERS[self.provider]
        keys = [f"{self.provider}/{self.provider_model}", self.litellm_model]
        if spec.bare_names:
            keys.append(self.provider_model)
        if spec.is_local:
            keys.append(f"ollama/{self.provider_model}")
        return tuple(dict.fromkeys(keys))


def parse_model_entry(provider: str, entry: str) -> ModelRef:
    """`gpt-4o` or `alias=provider/model` → ModelRef; ValueError for an empty or malformed entry."""
    entry = entry.strip()
    alias, sep, target = entry.partition("=")
    alias, target = alias.strip(), target.strip()
    if not alias or (sep and not target) or any(c.isspace() for c in entry.replace(" = ", "=")):
        raise ValueError(f"invalid model entry {entry!r}: use 'model-id' or 'alias=model-id'")
    provider_model = target if sep else alias
    spec = PROVIDERS[provider]
    public = alias if spec.bare_names else f"{provider}/{alias}"
    return ModelRef(public=public, provider=provider, provider_model=provider_model)
