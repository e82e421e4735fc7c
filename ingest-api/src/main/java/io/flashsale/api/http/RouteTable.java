package io.flashsale.api.http;

import io.javalin.event.HandlerMetaInfo;
import io.javalin.security.RouteRole;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Collectors;

/**
 * Every route an app serves, with its roles, as Javalin announces each when it is added (registered with
 * {@code config.events.handlerAdded} before the routes): what the OpenAPI document is checked against.
 */
public final class RouteTable {
  /** Roles by "METHOD /path". */
  private final Map<String, Set<RouteRole>> routes = new ConcurrentSkipListMap<>();

  public void add(HandlerMetaInfo handler) {
    if (handler.getHttpMethod().isHttpMethod()) { // not a handler that runs before or after the routes
      routes.put(handler.getHttpMethod().name() + " " + handler.getPath(), Set.copyOf(handler.getRoles()));
    }
  }

  /** Every route, as "METHOD /path", sorted. */
  public List<String> routes() {
    return List.copyOf(routes.keySet());
  }

  /** The roles of every route that has some, by "METHOD /path". */
  public Map<String, Set<RouteRole>> roles() {
    return routes.entrySet().stream().filter(route -> !route.getValue().isEmpty())
        .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
  }
}
