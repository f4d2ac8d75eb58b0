# syntax=docker/dockerfile:1
# One image for api, worker and web (infra/docker-compose.yml, infra/k8s), plus a `migrate` target
# that keeps the Prisma CLI (a devDependency) to apply prisma/migrations as the database owner.
#   docker build -t imaging/app .                    # runtime: production dependencies only
#   docker build --target migrate -t imaging/migrate .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
COPY . .
RUN npm ci && npm run build
# the built tree without any node_modules, for the runtime stage to install production deps into
RUN mkdir /out && tar --exclude=./node_modules --exclude='*/node_modules' --exclude=./.git --exclude=./.data \
      --exclude='./apps/web/.next/cache' -cf - . | tar -xf - -C /out

FROM build AS migrate
USER 10001:10001
ENV HOME=/tmp
CMD ["npm", "run", "db:migrate:deploy"]

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
COPY --from=build /out /app
# production dependencies only; no install scripts run (none of them is needed at run time)
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force \
    && mkdir -p /data /app/apps/web/.next/cache && chown -R 10001:10001 /data /app/apps/web/.next/cache
USER 10001:10001
ENV DATA_DIR=/data
EXPOSE 4000 3000 9464
CMD ["node", "apps/api/dist/main.js"]
