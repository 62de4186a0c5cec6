package io.keyway.gateway.service;

import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * A configuration interface ({@code GatewayConfig} or one of its groups) answering the named methods with the given
 * values, for unit tests that build one service without Quarkus; any other method throws, so a test notices when the
 * code under test starts reading a setting it did not give.
 */
final class ConfigStub {

    private ConfigStub() {
    }

    static <T> T of(Class<T> type, Map<String, Object> answers) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            Object answer = answers.get(method.getName());
            if (answer == null) {
                throw new UnsupportedOperationException(type.getSimpleName() + "." + method.getName());
            }
            return answer;
        }));
    }
}
