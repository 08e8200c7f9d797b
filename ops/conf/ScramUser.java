// Creates (or resets) a SCRAM-SHA-512 user through the broker's Admin API. ops/stack.sh runs it
// with the single-file launcher (java -cp '.stack/lib/kafka/*' ScramUser.java) only for a KRaft
// storage formatted before its SASL_SSL listener existed; a fresh storage gets the user at format
// time. Usage: ScramUser <bootstrap host:port> <user>, password in ADX_SCRAM_PASSWORD (not argv).
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

public class ScramUser {
  public static void main(String[] args) throws Exception {
    String password = System.getenv("ADX_SCRAM_PASSWORD");
    if (args.length != 2 || password == null || password.isEmpty()) {
      System.err.println("usage: ScramUser <bootstrap> <user> (password in ADX_SCRAM_PASSWORD)");
      System.exit(2);
    }
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    try (Admin admin = Admin.create(props)) {
      ScramCredentialInfo info = new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192);
      admin
          .alterUserScramCredentials(
              List.of(new UserScramCredentialUpsertion(args[1], info, password)))
          .all()
          .get();
    }
    System.err.println("SCRAM-SHA-512 credentials set for " + args[1]);
  }
}
