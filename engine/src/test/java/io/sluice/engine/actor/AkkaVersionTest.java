package io.sluice.engine.actor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Akka 2.8.7 and later terminate every ActorSystem that has no {@code akka.license-key} after a few minutes ("Akka
 * terminated. Obtain free keys at https://akka.io/key"): a Sluice node would die mid-query. We pin 2.8.5, the last
 * 2.8 release published on Maven Central without that check; this test fails if an upgrade brings the check back,
 * so that whoever upgrades also configures a key (see README, "Akka version").
 */
class AkkaVersionTest {
    @Test
    void akkaOnTheClasspathHasNoLicenseKeyTimeBomb() {
        assertThat(akka.Version.current()).startsWith("2.8.");
        assertThat(getClass().getClassLoader().getResource("akka/actor/dungeon/LicenseKeySupplier.class"))
                .as("akka-actor with the license-key check that stops the ActorSystem without a key")
                .isNull();
    }
}
