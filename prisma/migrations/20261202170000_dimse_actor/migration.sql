-- Audit rows of the DIMSE service name the calling AE title as the actor (actorType DIMSE) and
-- the peer's address as clientAddress. Adding an enum value touches no existing row.
ALTER TYPE "ActorType" ADD VALUE 'DIMSE';
