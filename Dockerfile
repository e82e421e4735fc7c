# One image for every Flashsale process; the command picks the part (see docker-compose.yml).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# The build files first: their layer, with every dependency and plugin downloaded, stays cached until a pom
# changes, so an edit of the sources rebuilds without downloading the dependencies again.
COPY .mvn .mvn
COPY mvnw pom.xml ./
COPY settings/pom.xml settings/
COPY schemas/pom.xml schemas/
COPY metrics/pom.xml metrics/
COPY embedded/pom.xml embedded/
COPY test-support/pom.xml test-support/
COPY payments/pom.xml payments/
COPY ingest-api/pom.xml ingest-api/
COPY topology/pom.xml topology/
COPY reconciliation/pom.xml reconciliation/
COPY local-stack/pom.xml local-stack/
COPY bench/pom.xml bench/
RUN ./mvnw -q -B dependency:go-offline -DexcludeGroupIds=io.flashsale
COPY . .
# The image's classpath is one folder of jars: the runtime dependencies and jars of the modules whose main classes
# the services run (ingest-api with payments, topology, reconciliation) and the logging binding. Not local-stack's:
# the in-JVM broker (kafka_2.13 with Scala) and the embedded PostgreSQL binaries are for ./flashsale local only.
# install goes to this stage's own Maven repository, which the image does not keep.
RUN ./mvnw -q -B -Dmaven.test.skip=true -pl ingest-api,topology,reconciliation,local-stack -am install \
 && for module in ingest-api topology reconciliation; do \
      ./mvnw -q -B -o -pl $module dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/app/lib \
      && cp $module/target/$module-*.jar /app/lib/ || exit 1; \
    done \
 && ./mvnw -q -B -o -pl local-stack dependency:copy-dependencies -DincludeArtifactIds=slf4j-simple -DoutputDirectory=/app/lib

FROM eclipse-temurin:17-jre
# curl for the healthchecks of docker-compose.yml.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
# A user of its own: the processes need no root. The data folders exist in the image, owned by that user, so that
# the named volumes mounted on them start with its ownership.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin flashsale \
 && mkdir -p /var/lib/flashsale/state /var/lib/flashsale/reports \
 && chown -R flashsale:flashsale /var/lib/flashsale
WORKDIR /app
COPY --from=build /app/lib /app/lib
COPY LICENSE /app/LICENSE
USER flashsale
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -cp '/app/lib/*' \"$@\"", "--"]
