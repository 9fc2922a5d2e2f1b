"""Engines behind LLMResource; each is imported only when chosen, so optional extras stay optional."""
