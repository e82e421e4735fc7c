package io.flashsale.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.streams.TopologyDescription;

/**
 * The topics one task reads together must have the same number of partitions. The topology's stores are shared by
 * the processors of every topic it reads by SKU (sales, purchase-requests, stock-transfers, payments, ...), so one
 * task must own a SKU on all of them; Kafka Streams makes as many tasks as the largest topic has partitions and
 * checks nothing for the Processor API. With counts that differ, a SKU's purchases and its stock transfers land in
 * different tasks: a transfer finds no shard there, and the stock it carries would be lost.
 */
final class CoPartitioning {
  private CoPartitioning() {}

  /** Refuses to go on, naming every topic and its count, when the topics read together differ in partitions. */
  static void require(Admin admin, TopologyDescription topology) {
    List<Set<String>> groups = groups(topology);
    Set<String> topics = new TreeSet<>();
    groups.forEach(topics::addAll);
    Map<String, Integer> partitions = new TreeMap<>();
    try {
      for (Map.Entry<String, TopicDescription> topic : admin.describeTopics(topics).allTopicNames().get().entrySet()) {
        partitions.put(topic.getKey(), topic.getValue().partitions().size());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while describing the topology's topics", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Cannot describe the topology's topics " + topics + ": " + e.getCause(), e);
    }
    List<String> problems = mismatches(groups, partitions);
    if (!problems.isEmpty()) {
      throw new IllegalStateException("The topics the topology reads together must have the same number of "
          + "partitions, so that one task owns a SKU on all of them; they differ: " + String.join("; ", problems)
          + ". Give them all the same count (kafka-topics --alter --partitions) before any sale is live: adding "
          + "partitions moves SKUs to other partitions.");
    }
  }

  /** The source topics of each sub-topology: the topics whose records one task processes together. */
  static List<Set<String>> groups(TopologyDescription topology) {
    List<Set<String>> groups = new ArrayList<>();
    for (TopologyDescription.Subtopology subtopology : topology.subtopologies()) {
      Set<String> topics = new TreeSet<>();
      for (TopologyDescription.Node node : subtopology.nodes()) {
        if (node instanceof TopologyDescription.Source source && source.topicSet() != null) {
          topics.addAll(source.topicSet());
        }
      }
      groups.add(topics);
    }
    return groups;
  }

  /** One line per group whose topics differ in partitions, e.g. "purchase-requests 8, stock-transfers 4". */
  static List<String> mismatches(List<Set<String>> groups, Map<String, Integer> partitions) {
    List<String> problems = new ArrayList<>();
    for (Set<String> group : groups) {
      if (group.stream().map(partitions::get).distinct().count() > 1) {
        problems.add(String.join(", ", group.stream().map(topic -> topic + " " + partitions.get(topic)).toList()));
      }
    }
    return problems;
  }
}
