"""Statistics Finland's personnel size classes."""

SIZE_CLASSES = ("0-4", "5-9", "10-19", "20-49", "50-99", "100-249", "250-499", "500-999", "1000+")
