package io.flashsale.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A self-signed certificate for 127.0.0.1 and localhost in a PKCS12 key store, and a trust store that trusts only
 * it, made with the JDK's keytool: TLS for the embedded broker and registry without files checked in.
 *
 * @param keyStore the server's key and certificate (PKCS12)
 * @param trustStore the certificate alone, for clients (PKCS12)
 * @param password of both stores and of the key
 */
public record SelfSignedTls(Path keyStore, Path trustStore, String password) {
  private static final String ALIAS = "flashsale-embedded";

  /** Makes the stores in {@code dir}; takes a second or two (an RSA key). */
  public static SelfSignedTls create(Path dir) {
    try {
      Files.createDirectories(dir);
      String password = "embedded-" + Long.toHexString(System.nanoTime());
      Path keyStore = dir.resolve("keystore.p12");
      Path certificate = dir.resolve("certificate.pem");
      Path trustStore = dir.resolve("truststore.p12");
      keytool("-genkeypair", "-alias", ALIAS, "-keyalg", "RSA", "-keysize", "2048", "-validity", "30",
          "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-keystore", keyStore.toString(),
          "-storetype", "PKCS12", "-storepass", password, "-keypass", password);
      keytool("-exportcert", "-rfc", "-alias", ALIAS, "-keystore", keyStore.toString(), "-storepass", password,
          "-file", certificate.toString());
      keytool("-importcert", "-noprompt", "-alias", ALIAS, "-file", certificate.toString(), "-keystore",
          trustStore.toString(), "-storetype", "PKCS12", "-storepass", password);
      return new SelfSignedTls(keyStore, trustStore, password);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not make a self-signed certificate", e);
    }
  }

  /** A server's TLS context with the key store's certificate. */
  public SSLContext serverContext() {
    try {
      KeyStore store = KeyStore.getInstance(keyStore.toFile(), password.toCharArray());
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password.toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("Could not load " + keyStore, e);
    }
  }

  private static void keytool(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("keytool " + args[0] + " did not finish in 60 s");
      }
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IllegalStateException("keytool " + args[0] + " failed (" + process.exitValue() + "): " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while running keytool", e);
    }
  }
}
