-- Sessions end after SESSION_IDLE_MINUTES without a request, not only at their absolute expiry.
ALTER TABLE "Session" ADD COLUMN     "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- API keys carry an expiry (at most API_KEY_MAX_DAYS after creation).
ALTER TABLE "ApiKey" ADD COLUMN     "expiresAt" TIMESTAMP(3);
