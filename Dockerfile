# One image for every Flashsale process; the command picks the part (see docker-compose.yml).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The image's classpath is one folder of jars: every runtime dependency of local-stack (which depends on every
# part) and local-stack's own jar; nothing points back into the build.
RUN ./mvnw -q -B -DskipTests install \
 && ./mvnw -q -B -o -pl local-stack dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/app/lib \
 && cp local-stack/target/local-stack-*.jar /app/lib/

FROM eclipse-temurin:17-jre
# curl for the healthchecks of docker-compose.yml.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/lib /app/lib
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -cp '/app/lib/*' \"$@\"", "--"]
