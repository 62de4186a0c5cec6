package io.keyway.gateway.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;

/** An endpoint's list prices in USD: per prompt token, per completion token, per request. Decimal strings on the wire. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Pricing(
        @JsonProperty("prompt") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal prompt,
        @JsonProperty("completion") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal completion,
        @JsonProperty("request") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal request) {

    public Pricing {
        prompt = prompt == null ? BigDecimal.ZERO : prompt;
        completion = completion == null ? BigDecimal.ZERO : completion;
        request = request == null ? BigDecimal.ZERO : request;
    }

    /** DESIGN.md §4: prompt_tokens x prompt price + completion_tokens x completion price + request price. */
    public BigDecimal listCost(long promptTokens, long completionTokens) {
        return prompt.multiply(BigDecimal.valueOf(promptTokens))
                .add(completion.multiply(BigDecimal.valueOf(completionTokens)))
                .add(request)
                .stripTrailingZeros();
    }

    /** Sort key for "cheapest first": what a typical request's tokens cost here. */
    public BigDecimal tokenPrice() {
        return prompt.add(completion);
    }
}
