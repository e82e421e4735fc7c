# One image for every Flashsale process; the command picks the part (see docker-compose.yml).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN ./mvnw -q -B -DskipTests install

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/local-stack/target/classes /app/classes
COPY --from=build /src/local-stack/target/classpath.txt /app/classpath.txt
COPY --from=build /root/.m2/repository /root/.m2/repository
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -cp /app/classes:$(cat /app/classpath.txt) \"$@\"", "--"]
