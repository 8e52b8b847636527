"""The conversational assistant: domain, training data, NLU components and custom actions."""
