"""Sites: business premises and plots on offer."""
