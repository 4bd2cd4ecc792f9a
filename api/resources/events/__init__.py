"""Events such as workshops."""
