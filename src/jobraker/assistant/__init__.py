"""The chat assistant: an OpenAI-compatible model answering over the candidate's own data, with tools."""
