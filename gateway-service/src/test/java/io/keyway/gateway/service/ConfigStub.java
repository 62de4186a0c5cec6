package io.keyway.gateway.service;

import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * A configuration interface ({@code GatewayConfig} or one of its groups) answering the named methods with the given
 * values, for unit tests that build one service without Quarkus; a method not named answers its {@code @WithDefault}
 * (as Quarkus would), and one without a default throws, so a test notices when the code under test starts reading a
 * setting it did not give and that has no default.
 */
public final class ConfigStub {

    private ConfigStub() {
    }

    public static <T> T of(Class<T> type, Map<String, Object> answers) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            Object answer = answers.get(method.getName());
            if (answer == null) {
                answer = declaredDefault(method);
            }
            if (answer == null) {
                throw new UnsupportedOperationException(type.getSimpleName() + "." + method.getName());
            }
            return answer;
        }));
    }

    /** The method's {@code @WithDefault}, converted as SmallRye Config would for the types our settings use; or null. */
    private static Object declaredDefault(java.lang.reflect.Method method) {
        var d = method.getAnnotation(io.smallrye.config.WithDefault.class);
        if (d == null) {
            return null;
        }
        String v = d.value();
        Class<?> t = method.getReturnType();
        if (t == int.class || t == Integer.class) {
            return Integer.parseInt(v);
        } else if (t == long.class || t == Long.class) {
            return Long.parseLong(v);
        } else if (t == boolean.class || t == Boolean.class) {
            return Boolean.parseBoolean(v);
        } else if (t == java.time.Duration.class) {
            return java.time.Duration.parse("PT" + v);
        } else if (t == java.math.BigDecimal.class) {
            return new java.math.BigDecimal(v);
        } else if (t == String.class) {
            return v;
        }
        return null;
    }
}
