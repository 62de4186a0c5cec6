import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;

/**
 * Deletes every record of a topic up to its end (Kafka's deleteRecords: consumers then start at the end, and the
 * segments are freed). run.sh calls it on the local usage topic after a run: a run leaves millions of usage events
 * there, which billing-service and the test suite's consumers would otherwise read through first.
 * Run with the broker's jars: java -cp '.keyway/kafka/lib/*' TrimTopic.java host:port topic
 */
public class TrimTopic {
    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        String topic = args[1];
        try (Admin admin = Admin.create(p)) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (int i = 0; i < partitions; i++) {
                latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
                earliest.put(new TopicPartition(topic, i), OffsetSpec.earliest());
            }
            var ends = admin.listOffsets(latest).all().get();
            var starts = admin.listOffsets(earliest).all().get();
            Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
            long removed = 0;
            for (var e : ends.entrySet()) {
                long end = e.getValue().offset();
                removed += end - starts.get(e.getKey()).offset();
                delete.put(e.getKey(), RecordsToDelete.beforeOffset(end));
            }
            admin.deleteRecords(delete).all().get();
            System.out.println("[keyway] kafka: deleted " + removed + " records of " + topic + " (" + partitions
                    + " partitions trimmed to their end)");
        }
    }
}
