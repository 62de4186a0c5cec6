package io.keyway.keys.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.util.List;

/**
 * Lists of strings (filters, ignored providers) kept as a JSON array in a TEXT column; null stays null ("no
 * restriction"). A converter rather than a jsonb mapping: Hibernate Reactive's jsonb support only takes objects.
 */
@Converter
public class StringListJson implements AttributeConverter<List<String>, String> {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> LIST = new TypeReference<>() {
    };

    @Override
    public String convertToDatabaseColumn(List<String> list) {
        try {
            return list == null ? null : JSON.writeValueAsString(list);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("list cannot be written as JSON", e);
        }
    }

    @Override
    public List<String> convertToEntityAttribute(String column) {
        try {
            return column == null ? null : JSON.readValue(column, LIST);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("column is not a JSON list of strings", e);
        }
    }
}
