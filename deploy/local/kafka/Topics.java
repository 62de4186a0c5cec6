import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates Keyway's topics if they are missing. Run with the broker's jars: java -cp 'lib/*' Topics.java host:port name:partitions[:compact] ... */
public class Topics {
    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (Admin admin = Admin.create(p)) {
            List<NewTopic> topics = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                String[] spec = args[i].split(":");
                NewTopic t = new NewTopic(spec[0], Integer.parseInt(spec[1]), (short) 1);
                if (spec.length > 2 && spec[2].equals("compact")) {
                    t.configs(Map.of("cleanup.policy", "compact"));
                }
                topics.add(t);
            }
            for (var e : admin.createTopics(topics).values().entrySet()) {
                try {
                    e.getValue().get();
                    System.out.println("[keyway] kafka: created topic " + e.getKey());
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) throw ex;
                }
            }
        }
    }
}
