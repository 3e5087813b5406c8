"""Static map + runtime trace -> report rows and verdicts."""
