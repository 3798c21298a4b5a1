// Docker's HEALTHCHECK for the bot and the workers: the image has no curl, so Node asks the health
// endpoint (HEALTH_PORT) for the path given (default /healthz) and exits 0 only on a 200.
const path = process.argv[2] ?? "/healthz";
const response = await fetch(`http://127.0.0.1:${process.env.HEALTH_PORT}${path}`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
process.exit(response?.status === 200 ? 0 : 1);
