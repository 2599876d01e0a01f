"""Getting pages politely: robots.txt, retries that wait, revisits, canonical URLs, the browser."""
