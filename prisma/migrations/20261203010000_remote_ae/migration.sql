-- Remote DICOM application entities (C-MOVE destinations, export targets), admin-managed.
CREATE TABLE "RemoteAe" (
    "id" UUID NOT NULL,
    "aeTitle" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RemoteAe_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "RemoteAe_aeTitle_key" ON "RemoteAe"("aeTitle");
