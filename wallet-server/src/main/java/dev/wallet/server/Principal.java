package dev.wallet.server;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who a request comes from, as its credential says: a name and roles. Every principal may open
 * accounts for itself, debit the accounts it owns and read them; {@link Role#OPERATOR} may also
 * deposit, withdraw and open accounts for others; {@link Role#AUDITOR} may read every account and
 * every transaction's status.
 */
public record Principal(String name, Set<Role> roles) {

    /** What a principal may do beyond its own accounts. */
    public enum Role {
        OPERATOR,
        AUDITOR
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@:|-]{1,128}");

    public Principal {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a principal's name is 1 to 128 of A-Z a-z 0-9 . _ @ : | -");
        }
        roles = Set.copyOf(roles);
    }

    boolean is(Role role) {
        return roles.contains(role);
    }
}
