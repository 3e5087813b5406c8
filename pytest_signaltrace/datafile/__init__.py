"""The data file: its format, reading, writing, combining, and `signaltrace run`."""
